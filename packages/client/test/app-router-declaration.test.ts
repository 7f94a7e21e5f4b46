import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script, without declarations
import { appRouterDeclaration } from '../scripts/app-router-declaration.mjs';

/** The generated router type that the published client ships must be the API's, procedure by procedure. */

const clientDir = fileURLToPath(new URL('..', import.meta.url));
// Under node_modules (ignored), where @skillbytes/api and @trpc/server resolve as for the client.
const work = path.join(clientDir, 'node_modules/.tmp', `app-router-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CHECK = `import type { AppRouter as Api } from '@skillbytes/api';
import type { inferRouterError, inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter as Published } from './app-router-contract.d.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** "router.procedure" for each procedure whose type differs: an error names them. */
type Differing<A, B> = {
  [R in keyof A & keyof B]: {
    [P in keyof A[R] & keyof B[R]]: Same<A[R][P], B[R][P]> extends true ? never : \`\${R & string}.\${P & string}\`;
  }[keyof A[R] & keyof B[R]];
}[keyof A & keyof B];
type None<T> = [T] extends [never] ? true : T;

export const outputs: None<Differing<inferRouterOutputs<Published>, inferRouterOutputs<Api>>> = true;
export const inputs: None<Differing<inferRouterInputs<Published>, inferRouterInputs<Api>>> = true;
export const allOutputs: Same<inferRouterOutputs<Published>, inferRouterOutputs<Api>> = true;
export const allInputs: Same<inferRouterInputs<Published>, inferRouterInputs<Api>> = true;
export const errors: Same<inferRouterError<Published>, inferRouterError<Api>> = true;
`;

/** The last comparison's program: the next one reuses its parsed files (the API's sources, lib files). */
let previous: ts.Program | undefined;

/** Type errors of the comparison with the API when `declaration` is the published AppRouter. */
function differences(declaration: string, name: string): string[] {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'app-router-contract.d.ts'), declaration);
  writeFileSync(path.join(dir, 'check.ts'), CHECK);
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(clientDir, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    },
  );
  const program = ts.createProgram({
    rootNames: [path.join(dir, 'check.ts')],
    options: { ...config!.options, noEmit: true },
    oldProgram: previous,
  });
  previous = program;
  // The comparison's own two files: the API's sources are type-checked by `pnpm typecheck`, and checking
  // them again here was half of this file's time.
  const own = program.getSourceFiles().filter((f) => path.dirname(f.fileName) === dir);
  expect(own.map((f) => path.basename(f.fileName)).sort()).toEqual(['app-router-contract.d.ts', 'check.ts']);
  return [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...own.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').slice(0, 2000));
}

describe('the published AppRouter declaration', () => {
  const text: string = appRouterDeclaration({ apiDir: path.join(clientDir, '../api') });

  it('imports nothing of the server', () => {
    const imports = [...text.matchAll(/from\s+'([^']+)'|import\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2]);
    expect(new Set(imports)).toEqual(new Set(['@trpc/server']));
    expect(text).toMatch(/inbox: \{[\s\S]*onMessage: TRPCSubscriptionProcedure</);
  });

  it('has the same inputs, outputs and errors as the API, procedure by procedure', () => {
    expect(differences(text, 'published')).toEqual([]);
  });

  it('and the comparison notices a procedure that differs', () => {
    const tampered = text.replace(/(\n {4}me: TRPCQueryProcedure<\{ input: void; output: )Me;/, '$1string;');
    expect(tampered).not.toBe(text);
    expect(differences(tampered, 'tampered').join('\n')).toContain('"auth.me"');
  });
});
