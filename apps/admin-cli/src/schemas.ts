/**
 * The shared zod schemas, loaded when a command first checks its input: zod and the schemas are most of
 * what the CLI would otherwise load at start, and `--help` needs none of them.
 */
export const schemas = () => import('@skillbytes/shared');
