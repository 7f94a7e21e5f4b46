/**
 * Zod compiles its object parsers with `new Function` unless told not to, and probes for it when a
 * schema is built; under this app's CSP (no 'unsafe-eval') each probe is a violation report. The kit
 * brings @skillbytes/shared, and with it zod, into the page: switch zod to its interpreter before any
 * schema exists. zod reads this global at load (v4 core: `globalThis.__zod_globalConfig`); this module
 * must stay the first import of main.tsx.
 */
const zodGlobal = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
zodGlobal.__zod_globalConfig = { ...zodGlobal.__zod_globalConfig, jitless: true };
