import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { describeRestRoutes } from './document.ts';
import { RESPONSES } from './responses.ts';
import {
  operationId,
  type ProcedureOutput,
  REST_ROUTES,
  type RestProcedure,
  restPath,
} from './rest-routes.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The REST procedures whose documented answer is not exactly what the procedure returns. */
type Mismatched = {
  [P in RestProcedure]: Same<z.output<(typeof RESPONSES)[P]>, ProcedureOutput<P>> extends true ? never : P;
}[RestProcedure];

describe('REST routes', () => {
  it('document exactly what each procedure answers (a type test: typecheck fails on drift)', () => {
    expectTypeOf<Mismatched>().toEqualTypeOf<never>();
    expect(Object.keys(RESPONSES).sort()).toEqual(Object.keys(REST_ROUTES).sort());
  });

  it('take their path and operationId from the procedure path', () => {
    expect(restPath('auth.signup')).toBe('/api/auth/signup');
    expect(restPath('auth.sessions.revokeOthers')).toBe('/api/auth/sessions/revoke-others');
    expect(restPath('auth.sessions.list')).toBe('/api/auth/sessions');
    expect(restPath('inbox.unreadCount')).toBe('/api/inbox/unread-count');
    expect(operationId('auth.sessions.revokeOthers')).toBe('authSessionsRevokeOthers');
  });

  it('read query parameters as the type their schema names, and GET only queries', () => {
    const routes = new Map(describeRestRoutes().map((r) => [r.procedure, r]));
    expect(routes.get('challenges.completed')).toMatchObject({
      method: 'GET',
      query: { cursor: 'string', direction: 'string', limit: 'integer' },
    });
    expect(routes.get('challenges.daily')).toMatchObject({ method: 'GET', query: undefined });
    expect(routes.get('challenges.submit')).toMatchObject({ method: 'POST', query: undefined });
    expect(routes.get('auth.login')?.tokensInBody).toBe(true);
    expect(new Set([...routes.values()].map((r) => r.path)).size).toBe(routes.size);
  });
});
