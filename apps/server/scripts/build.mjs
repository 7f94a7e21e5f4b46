// The server's dist/ (scripts/build-package.mjs at the root), with the files src/http/api-docs.ts reads at
// run time: the /docs page's start script, and Redoc's standalone bundle copied out of node_modules, so a
// production install serves /docs without Redoc and the hundred packages it declares as peers.
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from '../../../scripts/build-package.mjs';

const dir = fileURLToPath(new URL('..', import.meta.url));
const redoc = createRequire(path.join(dir, 'package.json')).resolve('redoc/bundles/redoc.standalone.js');

buildPackage(dir, {
  noCheck: true,
  copy: ['http/docs'],
  finish: (dist) => copyFileSync(redoc, path.join(dist, 'http/docs/redoc.standalone.js')),
});
