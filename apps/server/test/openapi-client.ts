import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Operation = {
  operationId: string;
  summary: string;
  'x-trpc-procedure': string;
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; schema: object }[];
  requestBody?: { required: boolean };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
};

export type OpenApiDocument = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
};

export type DocumentCall = { status: number; headers: Headers; body: unknown };

/** Every operation of a document, with where it is: method (lower case) and path. */
export function operationsOf(doc: OpenApiDocument) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
}

/**
 * An HTTP client that knows nothing of the API but its OpenAPI document: it finds an operation by its
 * operationId, puts the input where the document says (query parameters for those it lists, else a JSON
 * body), sends a bearer token when the operation takes one, and checks every answer, success or error,
 * against the schema the document gives for that status (JSON Schema 2020-12, with formats).
 */
export function documentClient(documentUrl: string, doc: OpenApiDocument) {
  const base = new URL(doc.servers[0]?.url ?? '/', documentUrl);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const docId = 'urn:skillbytes:openapi';
  ajv.addSchema({ ...doc, $id: docId } as object);
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string) => {
    let validate = validators.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${docId}#${pointer}` });
      validators.set(pointer, validate);
    }
    return validate;
  };
  const byId = new Map(operationsOf(doc).map((o) => [o.operation.operationId, o]));
  const pointerToken = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

  return {
    /** Why `value` does not match the document's component schema `name`; '' when it does. */
    mismatch(name: string, value: unknown): string {
      const validate = validatorAt(`/components/schemas/${pointerToken(name)}`);
      return validate(value) ? '' : ajv.errorsText(validate.errors);
    },

    async call(operationId: string, input?: Record<string, unknown>, token?: string): Promise<DocumentCall> {
      const found = byId.get(operationId);
      if (!found) throw new Error(`the document has no operation ${operationId}`);
      const { path, method, operation } = found;
      const url = new URL(path.replace(/^\//, ''), base);
      const headers: Record<string, string> = {};
      const takesBearer = operation.security.some((s) => 'bearer' in s);
      if (token && takesBearer) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      const query = new Set((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
      for (const [name, value] of Object.entries(input ?? {})) {
        if (query.has(name)) url.searchParams.set(name, String(value));
      }
      if (operation.requestBody && input !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(input);
      }
      const res = await fetch(url, { method: method.toUpperCase(), headers, body });
      const answer = (await res.json()) as unknown;
      const documented = operation.responses[String(res.status)] ?? operation.responses.default;
      if (!documented)
        throw new Error(`${operationId} answered ${res.status}, which the document does not list`);
      const pointer = documented.$ref
        ? `${documented.$ref.slice(1)}/content/application~1json/schema`
        : `/paths/${pointerToken(path)}/${method}/responses/${res.status}/content/application~1json/schema`;
      const validate = validatorAt(pointer);
      if (!validate(answer)) {
        throw new Error(
          `${operationId} answered ${res.status} with a body the document does not describe: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(answer).slice(0, 2000)}`,
        );
      }
      return { status: res.status, headers: res.headers, body: answer };
    },
  };
}
