// Node 20 does not apply loader hooks from a worker's execArgv (`--import tsx`) to the worker's entry
// module, so the worker registers tsx itself before loading its TypeScript source.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
