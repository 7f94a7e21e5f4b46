import * as shared from '@skillbytes/shared';
import type { AnyTRPCProcedure } from '@trpc/server';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { appRouter } from '../root.ts';
import { RESPONSES, responseNames } from './responses.ts';
import { type Access, operationId, REST_ROUTES, type RestProcedure, restPath } from './rest-routes.ts';

/** How a query parameter's text is read before the procedure's schema validates it. */
export type QueryParamType = 'string' | 'integer' | 'number' | 'boolean';

/** One REST route, as the HTTP adapter serves it and the document describes it. */
export type RestRoute = {
  procedure: RestProcedure;
  method: 'GET' | 'POST';
  path: string;
  operationId: string;
  access: Access;
  tokensInBody: boolean;
  /** The procedure's input schema, or undefined when it takes none. */
  input: z.ZodType | undefined;
  /** GET with an input: its query parameters and how each is read. */
  query: Record<string, QueryParamType> | undefined;
};

type JsonSchema = Record<string, unknown>;

function unrepresentable(ctx: { zodSchema: z.core.$ZodType }): z.core.JSONSchema.BaseSchema | 'throw' {
  const type = ctx.zodSchema._zod.def.type;
  // JSON has no dates: superjson keeps them Dates over tRPC, REST sends them as JSON.stringify does.
  if (type === 'date') return { type: 'string', format: 'date-time' };
  // Author-form test values (TaggedValue): any JSON, refined in code.
  if (type === 'custom') return {};
  return 'throw';
}

/** Drops the ±2^53 bounds zod gives every integer: they say nothing a JSON number does not. */
function override(ctx: { jsonSchema: z.core.JSONSchema.BaseSchema }) {
  const s = ctx.jsonSchema;
  if (s.type !== 'integer') return;
  if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
  if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
}

/** z.toJSONSchema options shared by every conversion. */
const conversion = { target: 'draft-2020-12', unrepresentable, override } as const;

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function inputOf(procedure: AnyTRPCProcedure): z.ZodType | undefined {
  const inputs = procedure._def.inputs as unknown[];
  if (inputs.length > 1) throw new Error('a REST route takes one input schema');
  const input = inputs[0];
  if (input !== undefined && !(input instanceof z.ZodType)) throw new Error('input schemas are zod schemas');
  return input;
}

/** A query parameter's schema without the `null` a `.nullish()` adds (a query string cannot say null). */
function withoutNull(schema: JsonSchema): JsonSchema {
  const anyOf = schema.anyOf as JsonSchema[] | undefined;
  if (!anyOf) return schema;
  const rest = anyOf.filter((s) => s.type !== 'null');
  return rest.length === 1 && rest[0] ? rest[0] : { ...schema, anyOf: rest };
}

function queryParamType(schema: JsonSchema): QueryParamType | undefined {
  const type = schema.type;
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return type;
  return undefined;
}

/** The query parameters of a GET route's input: a flat object of scalars, else the route cannot be a GET. */
function queryParameters(path: string, input: z.ZodType) {
  const schema = z.toJSONSchema(input, { ...conversion, io: 'input' }) as JsonSchema;
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (schema.type !== 'object' || !properties) throw new Error(`GET ${path}: the input is not an object`);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const param = withoutNull(property);
    const type = queryParamType(param);
    if (!type) throw new Error(`GET ${path}: query parameter ${name} is not a string, number or boolean`);
    return { name, type, required: required.has(name), schema: param };
  });
}

/** Every REST route, from REST_ROUTES and the router's own procedures and input schemas. */
export function describeRestRoutes(): RestRoute[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>;
  return (Object.keys(REST_ROUTES) as RestProcedure[]).map((name) => {
    const procedure = procedures[name];
    if (!procedure) throw new Error(`REST_ROUTES names ${name}, which the router does not have`);
    const { type } = procedure._def;
    if (type === 'subscription') throw new Error(`${name} is a subscription: it stays on tRPC`);
    const path = restPath(name);
    const input = inputOf(procedure);
    const method = type === 'query' ? 'GET' : 'POST';
    const info: { access: Access; tokensInBody?: true } = REST_ROUTES[name];
    return {
      procedure: name,
      method,
      path,
      operationId: operationId(name),
      access: info.access,
      tokensInBody: info.tokensInBody === true,
      input,
      query:
        method === 'GET' && input
          ? Object.fromEntries(queryParameters(path, input).map((p) => [p.name, p.type]))
          : undefined,
    };
  });
}

/** The names `@skillbytes/shared` exports its input schemas under, to name them the same in the document. */
function sharedSchemaNames(): Map<unknown, string> {
  return new Map(
    Object.entries(shared)
      .filter(([, value]) => value instanceof z.ZodType)
      .map(([name, schema]) => [schema, name]),
  );
}

/** z.json() on its own, recursing through `#`: the one recursive schema the API's answers use. */
const JSON_VALUE = (() => {
  const { $schema: _, ...schema } = z.toJSONSchema(z.json());
  return JSON.stringify(schema);
})();

/**
 * The component schemas of a registry, as OpenAPI 3.1 wants them: no `$schema`/`$id` of their own,
 * and zod's `__shared` definitions (recursive schemas: z.json() in verdicts) hoisted to a `JsonValue`
 * component, which the `__shared#/$defs/…` references zod writes are pointed at.
 */
function componentSchemas(registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output') {
  // A registry of `{ id: string }` is one of `{ id?: string }`; TypeScript sees its methods as invariant.
  const { schemas } = z.toJSONSchema(registry as unknown as z.core.$ZodRegistry<{ id?: string }>, {
    ...conversion,
    io,
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  const { __shared: sharedDefs, ...named } = schemas;
  let text = JSON.stringify(named);
  const defs = (sharedDefs?.$defs ?? {}) as Record<string, JsonSchema>;
  for (const [def, schema] of Object.entries(defs)) {
    const ref = `"#/components/schemas/__shared#/$defs/${def}"`;
    if (JSON.stringify(schema).replaceAll(ref, '"#"') !== JSON_VALUE) {
      throw new Error(`an unnamed recursive schema (${def}) in the document: register it with an id`);
    }
    text = text.replaceAll(ref, '"#/components/schemas/JsonValue"');
  }
  const result = JSON.parse(text) as Record<string, JsonSchema>;
  if (Object.keys(defs).length > 0) {
    result.JsonValue = JSON.parse(JSON_VALUE.replaceAll('"#"', '"#/components/schemas/JsonValue"'));
  }
  for (const schema of Object.values(result)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return result;
}

const TOKEN_DELIVERY = {
  type: 'string',
  const: 'body',
  default: 'body',
  description: 'Over REST the tokens always come in the response body (the only value accepted is "body").',
};

const DESCRIPTION = `Plain-JSON REST routes for clients that are not TypeScript. They call the same procedures as the
tRPC API under \`/trpc\` (same validation, rate limits, errors and authentication); TypeScript clients
should use \`@skillbytes/client\` instead.

**Conventions.** A query is \`GET\` with its input as query parameters; a mutation is \`POST\` with its
input as a JSON body (\`Content-Type: application/json\`, UTF-8, at most the server's body limit).
Answers are JSON; dates are ISO 8601 strings. Lists are pages: \`{ items, nextCursor }\`; pass
\`nextCursor\` back as \`cursor\` until it is null.

**Authentication.** \`POST /api/auth/login\` (or \`/api/auth/signup\`) answers an \`accessToken\` and a
\`refreshToken\`; send \`Authorization: Bearer <accessToken>\` (an admin's API key works too). When a
call answers 401 with appCode \`TOKEN_EXPIRED\`, \`POST /api/auth/refresh\` with the refresh token and
retry. The REST routes never read or set cookies, so a cross-site page cannot act with a visitor's
session: there is nothing for CSRF to ride on.

**Errors** are \`{ "error": { "code", "appCode", "message" } }\` (schema \`Error\`) with the HTTP status of
tRPC's code; \`appCode\` is the stable one to branch on. Validation errors add \`issues\`; rate-limited
calls answer 429 with a \`Retry-After\` header.

**Not here.** Admin procedures (use the tRPC API or the \`skillbytes-admin\` CLI) and the real-time
subscriptions \`inbox.onMessage\` and \`leaderboard.onChange\`, which are Server-Sent Events under
\`/trpc\` (see the tRPC documentation for httpSubscriptionLink).`;

/** The OpenAPI 3.1 document of the REST routes; `serverUrl` is where they are served (`/`: this host). */
export function buildOpenApiDocument({ serverUrl }: { serverUrl: string }) {
  const routes = describeRestRoutes();
  const names = sharedSchemaNames();
  const requests = z.registry<{ id: string }>();
  const requestName = new Map<RestProcedure, string>();
  for (const route of routes) {
    if (route.method !== 'POST' || !route.input) continue;
    const id = names.get(route.input) ?? `${pascal(route.operationId)}Request`;
    if (!requests.has(route.input)) requests.add(route.input, { id });
    requestName.set(route.procedure, requests.get(route.input)?.id ?? id);
  }
  for (const [procedure, schema] of Object.entries(RESPONSES)) {
    if (!responseNames.has(schema))
      responseNames.add(schema, { id: `${pascal(operationId(procedure))}Response` });
  }
  const requestSchemas = componentSchemas(requests, 'input');
  for (const route of routes) {
    const name = requestName.get(route.procedure);
    if (!route.tokensInBody || !name) continue;
    const properties = requestSchemas[name]?.properties as Record<string, unknown> | undefined;
    if (!properties?.tokenDelivery) throw new Error(`${route.procedure} takes no tokenDelivery`);
    properties.tokenDelivery = TOKEN_DELIVERY;
  }
  const responseSchemas = componentSchemas(responseNames, 'output');
  const overlap = Object.keys(requestSchemas).filter((n) => n in responseSchemas);
  if (overlap.length > 0) throw new Error(`schema names used twice: ${overlap.join(', ')}`);

  const error = { $ref: '#/components/responses/Error' };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const info: { summary: string; description?: string } = REST_ROUTES[route.procedure];
    const responseId = responseNames.get(RESPONSES[route.procedure])?.id;
    const requestId = requestName.get(route.procedure);
    const operation = {
      operationId: route.operationId,
      summary: info.summary,
      ...(info.description ? { description: info.description } : {}),
      tags: [route.procedure.split('.')[0]],
      'x-trpc-procedure': route.procedure,
      security:
        route.access === 'user' ? [{ bearer: [] }] : route.access === 'optional' ? [{}, { bearer: [] }] : [],
      ...(route.method === 'GET' && route.input
        ? {
            parameters: queryParameters(route.path, route.input).map((p) => ({
              name: p.name,
              in: 'query',
              required: p.required,
              schema: p.schema,
            })),
          }
        : {}),
      ...(requestId && route.input
        ? {
            requestBody: {
              required: !route.input.safeParse(undefined).success,
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${requestId}` } } },
            },
          }
        : {}),
      responses: {
        '200': {
          description: 'OK',
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${responseId}` } } },
        },
        '400': error,
        '401': error,
        ...(route.method === 'POST' ? { '413': error, '415': error } : {}),
        '429': error,
        default: error,
      },
    };
    if (paths[route.path]) throw new Error(`two REST routes at ${route.path}`);
    paths[route.path] = { [route.method.toLowerCase()]: operation };
  }

  return {
    openapi: '3.1.0',
    info: { title: 'Skill Bytes REST API', version: pkg.version, description: DESCRIPTION },
    servers: [{ url: serverUrl }],
    tags: [
      { name: 'auth', description: 'Accounts, sign-in and sessions' },
      { name: 'challenges', description: 'The daily challenge, the judge and history' },
      { name: 'inbox', description: 'Messages from the admins' },
      { name: 'leaderboard', description: 'Rankings' },
      { name: 'health', description: 'Liveness' },
    ],
    paths,
    components: {
      schemas: { ...requestSchemas, ...responseSchemas },
      responses: {
        Error: {
          description: 'An error (see the `Error` schema); the status is that of its `code`',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An access token from login, signup or refresh, or an API key',
        },
      },
    },
  };
}
