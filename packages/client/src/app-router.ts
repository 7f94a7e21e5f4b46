/**
 * The API's router type. Inside the monorepo it comes from the API's source; the published package
 * ships a generated declaration in its place (`scripts/build.mjs`), so a consumer type-checks the
 * procedures' inputs and outputs without the server's code or its dependencies.
 */
export type { AppRouter } from '@skillbytes/api';
