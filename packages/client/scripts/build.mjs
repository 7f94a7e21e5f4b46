// dist/ for publishing: the JavaScript and declarations of src/, with the API's router type replaced
// by a generated, self-contained declaration (app-router-declaration.mjs says why). tsconfig.build.json
// maps `@skillbytes/api` to that declaration, so the build also proves that the client's own code
// type-checks against the published contract alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from '../../../scripts/build-package.mjs';
import { appRouterDeclaration } from './app-router-declaration.mjs';

const dir = fileURLToPath(new URL('..', import.meta.url));
const apiDir = path.join(dir, '../api');

buildPackage(dir, {
  prepare(dist) {
    mkdirSync(dist, { recursive: true });
    writeFileSync(path.join(dist, 'app-router-contract.d.ts'), appRouterDeclaration({ apiDir }));
  },
  finish(dist) {
    writeFileSync(
      path.join(dist, 'app-router.d.ts'),
      "/** The API's router: each procedure's input and output (generated from the API at build time). */\n" +
        "export type { AppRouter } from './app-router-contract.js';\n",
    );
  },
});
