import { parentPort, workerData } from 'node:worker_threads';
import * as releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import {
  type CustomizeVariantOptions,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import {
  PROGRESS_PASSED,
  PROGRESS_POSITION,
  type WorkerData,
  type WorkerReply,
  type WorkerRequest,
} from './protocol.ts';
import { checkChallengeRun, GeneratorFault, judgeRun } from './run.ts';

/**
 * One WebAssembly module per worker, with a fixed maximum memory: the prebuilt variants grow memory
 * on demand, and a string-building loop then takes gigabytes before QuickJS's own limit notices
 * (quickjs-emscripten#255). Room for the user's and the checker's runtimes plus QuickJS's 5 MB stack.
 */
async function loadModule(memoryMb: number): Promise<QuickJSWASMModule> {
  const maximum = Math.ceil(((memoryMb * 2 + 32) * 1024 * 1024) / 65536);
  const wasmMemory = new WasmMemory({ initial: 256, maximum }) as CustomizeVariantOptions['wasmMemory'];
  return newQuickJSWASMModuleFromVariant(newVariant(releaseSyncVariant, { wasmMemory }));
}

/** The package's types describe its CommonJS build; imported as ESM, `default` is the variant itself. */
const releaseSyncVariant = releaseSync.default as unknown as QuickJSSyncVariant;

/** Node has WebAssembly; the TypeScript lib this repo uses (ES2023, no DOM) does not declare its values. */
const WasmMemory = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => object };
  }
).WebAssembly.Memory;

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('judge worker started outside a worker thread');
  const { memoryMb, progress } = workerData as WorkerData;
  const counters = new Int32Array(progress);
  const reply = (message: WorkerReply) => port.postMessage(message);
  let mod: QuickJSWASMModule;
  try {
    mod = await loadModule(memoryMb);
  } catch (error) {
    reply({ type: 'init-failed', message: String(error) });
    return;
  }
  let busy = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    busy = busy.then(async () => {
      let poisoned = false;
      let answer: WorkerReply;
      try {
        if (request.type === 'judge') {
          const result = judgeRun(mod, request.job, {
            progress(passed, position) {
              Atomics.store(counters, PROGRESS_PASSED, passed);
              Atomics.store(counters, PROGRESS_POSITION, position);
            },
            failure: (first) => reply({ type: 'failure', id: request.id, first }),
          });
          poisoned = result.poisoned;
          answer = { type: 'judged', id: request.id, verdict: result.verdict };
        } else {
          const result = checkChallengeRun(mod, request.job);
          poisoned = result.poisoned;
          answer = { type: 'checked', id: request.id, problems: result.problems };
        }
      } catch (error) {
        poisoned = !(error instanceof GeneratorFault);
        const message = error instanceof Error ? error.message : String(error);
        answer = { type: 'fault', id: request.id, message, generator: error instanceof GeneratorFault };
      }
      reply(answer);
      // A module that failed underneath a runtime is replaced before the next job, which waits on `busy`
      // (after an out-of-memory the old one kept failing: quickjs-emscripten#30).
      if (poisoned) mod = await loadModule(memoryMb);
    });
  });
  reply({ type: 'ready' });
}

await serve();
