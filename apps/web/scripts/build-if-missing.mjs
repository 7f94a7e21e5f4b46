// `pnpm start` runs this first (the server's prestart): a fresh checkout has no built web app, and
// the server serves apps/web/dist at /. An existing build is kept (`pnpm --filter @skillbytes/web build`
// rebuilds it); a server given WEB_DIST serves that directory instead and ignores this one.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (process.env.WEB_DIST) {
  console.log(`Serving the web app from WEB_DIST (${process.env.WEB_DIST}): apps/web/dist is not built.`);
} else if (existsSync(new URL('../dist/index.html', import.meta.url))) {
  console.log('Web app already built (apps/web/dist).');
} else {
  console.log('Building the web app into apps/web/dist (once)...');
  const { build } = await import('vite');
  await build({ root: fileURLToPath(new URL('..', import.meta.url)), logLevel: 'warn' });
}
