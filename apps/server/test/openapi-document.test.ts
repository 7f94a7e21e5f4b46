import { randomUUID } from 'node:crypto';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { appRouter } from '@skillbytes/api';
import { NOT_REST, REST_ROUTES } from '@skillbytes/api/openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, trpcGet, trpcPost } from './harness.ts';
import { documentClient, type OpenApiDocument, operationsOf } from './openapi-client.ts';

let server: TestServer;
let doc: OpenApiDocument;
let userToken: string;

beforeAll(async () => {
  server = await startTestServer({ SEED_STARTER_POOL: 'false' });
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
  const { body } = await trpcPost(server.url, 'auth.signup', {
    email: `doc-${randomUUID().slice(0, 8)}@example.com`,
    password: 'vivid tundra marble kettle',
    tokenDelivery: 'body',
  });
  userToken = (body.result!.data.json as { accessToken: string }).accessToken;
});
afterAll(() => server?.close());

const procedures = () =>
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>).map(
    ([path, p]) => ({ path, type: p._def.type }),
  );

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document that @readme/openapi-parser validates', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // validate() dereferences the document it is given in place: hand it a copy.
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('its schemas are valid JSON Schema 2020-12 (which OpenAPI 3.1 schemas are), and none is unused', () => {
    const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false });
    addFormats.default(ajv);
    const schemas = Object.entries(doc.components.schemas as Record<string, object>);
    const params = operationsOf(doc).flatMap(({ operation }) =>
      (operation.parameters ?? []).map((p) => [`${operation.operationId} ${p.name}`, p.schema] as const),
    );
    // OpenAPI's own keywords in schemas (none today) would need ajv.addKeyword; refs resolve across components.
    for (const [name, schema] of [...schemas, ...params]) {
      expect(ajv.validateSchema(schema), `${name}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
    }
    const text = JSON.stringify(doc);
    for (const [name] of schemas)
      expect(text, `${name} is referenced`).toContain(`"#/components/schemas/${name}"`);
  });

  it('is public, cacheable JSON, and a matching ETag answers 304', async () => {
    const res = await fetch(`${server.url}/openapi.json`, { headers: { origin: 'https://tools.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await fetch(`${server.url}/openapi.json`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const post = await fetch(`${server.url}/openapi.json`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('says where the routes are: this host, unless PUBLIC_ORIGIN names another', async () => {
    expect(doc.servers).toEqual([{ url: '/' }]);
    const behindProxy = await startTestServer({ PUBLIC_ORIGIN: 'https://skillbytes.example' });
    try {
      const other = (await (await fetch(`${behindProxy.url}/openapi.json`)).json()) as OpenApiDocument;
      expect(other.servers).toEqual([{ url: 'https://skillbytes.example' }]);
    } finally {
      await behindProxy.close();
    }
  });
});

describe('the document and the router cannot drift apart', () => {
  it('every procedure of the router has a REST route or is in NOT_REST, never both', () => {
    const rest = new Set(Object.keys(REST_ROUTES));
    const excluded = new Set(Object.keys(NOT_REST));
    for (const { path } of procedures()) {
      expect(rest.has(path) !== excluded.has(path), `${path}: in REST_ROUTES xor NOT_REST`).toBe(true);
    }
    const known = new Set(procedures().map((p) => p.path));
    for (const name of [...rest, ...excluded]) expect(known.has(name), `${name} is a procedure`).toBe(true);
  });

  it('the served document has every REST procedure, at GET for a query and POST for a mutation, and nothing else', () => {
    const documented = new Map(operationsOf(doc).map((o) => [o.operation['x-trpc-procedure'], o]));
    for (const { path, type } of procedures()) {
      const found = documented.get(path);
      if (path in NOT_REST) {
        expect(found, `${path} is not REST`).toBeUndefined();
        continue;
      }
      expect(found, `${path} is in the document`).toBeDefined();
      expect(found?.method).toBe(type === 'query' ? 'get' : 'post');
      expect(found?.path).toMatch(/^\/api\/[a-z-]+(\/[a-z-]+)*$/);
    }
    expect(documented.size).toBe(Object.keys(REST_ROUTES).length);
    expect(documented.get('auth.sessions.revokeOthers')?.path).toBe('/api/auth/sessions/revoke-others');
    expect(documented.get('inbox.list')?.path).toBe('/api/inbox');
    expect(documented.get('challenges.daily')?.path).toBe('/api/challenges/daily');
  });

  it('what NOT_REST calls admin refuses a signed-in user who is not an admin; the rest are subscriptions', async () => {
    const bearer = { authorization: `Bearer ${userToken}` };
    for (const { path, type } of procedures()) {
      const reason = NOT_REST[path as keyof typeof NOT_REST];
      if (reason === 'subscription') expect(type, path).toBe('subscription');
      if (reason !== 'admin') continue;
      const { res, body } =
        type === 'query'
          ? await trpcGet(server.url, path, undefined, bearer)
          : await trpcPost(server.url, path, undefined, bearer);
      expect(res.status, path).toBe(403);
      expect(body.error?.json.data.appCode, path).toBe('FORBIDDEN');
    }
  });

  it('an operation the document says needs a bearer refuses a call without one (401), as the procedure does', async () => {
    const client = documentClient(`${server.url}/openapi.json`, doc);
    const userOnly = operationsOf(doc).filter(
      ({ operation }) => operation.security.length === 1 && 'bearer' in operation.security[0]!,
    );
    expect(userOnly.length).toBeGreaterThan(15);
    for (const { operation } of userOnly) {
      const { status, body } = await client.call(
        operation.operationId,
        operation.requestBody ? {} : undefined,
      );
      expect(status, operation.operationId).toBe(401);
      expect((body as { error: { appCode: string } }).error.appCode, operation.operationId).toBe(
        'UNAUTHENTICATED',
      );
    }
  });
});
