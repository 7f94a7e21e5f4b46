// `pnpm start` runs this first (the server's prestart). The server runs as JavaScript built into dist/,
// with the packages it imports and the web app it serves at / (unless WEB_DIST names another one), so
// this builds them through turbo: a package whose files have not changed since its last build comes
// back from turbo's cache in a moment, one that has changed is built again, so `pnpm start` never runs
// an old build of code that has changed since. Then dist/prepare-start.js puts the starter database
// snapshot into CACHE_DIR unless it is there, so a new DATA_DIR starts as a copy of it (src/prepare-start.ts).
import { spawnSync } from 'node:child_process';

const filters = ['--filter=@skillbytes/server...'];
if (process.env.WEB_DIST) {
  console.log(`Serving the web app from WEB_DIST (${process.env.WEB_DIST}): apps/web is not built.`);
} else {
  filters.push('--filter=@skillbytes/web');
}
const turbo = spawnSync('turbo', ['run', 'build', ...filters, '--output-logs=errors-only'], {
  stdio: 'inherit',
  env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
});
if (turbo.error) console.error(`Could not run turbo to build the server: ${turbo.error.message}`);
if (turbo.status !== 0) process.exit(turbo.status ?? 1);
spawnSync(process.execPath, ['--conditions=skillbytes-built', 'dist/prepare-start.js'], { stdio: 'inherit' });
