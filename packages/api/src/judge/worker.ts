import { parentPort, workerData } from 'node:worker_threads';
import * as releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import {
  type CustomizeVariantOptions,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSSyncVariant,
} from 'quickjs-emscripten-core';
import {
  PROGRESS_PASSED,
  PROGRESS_POSITION,
  PROGRESS_TEST_STARTED_MS,
  type WorkerData,
  type WorkerReply,
  type WorkerRequest,
} from './protocol.ts';
import { checkChallengeRun } from './check.ts';
import { type Engine, GeneratorFault, judgeRun } from './run.ts';

/**
 * One WebAssembly module per worker, with a fixed maximum memory: the prebuilt variants grow memory
 * on demand, and a string-building loop then takes gigabytes before QuickJS's own limit notices
 * (quickjs-emscripten#255). Room for the user's and the checker's runtimes plus QuickJS's 5 MB stack.
 */
async function loadModule(memoryMb: number): Promise<Engine> {
  const maximum = Math.ceil(((memoryMb * 2 + 32) * 1024 * 1024) / 65536);
  const memory = new WasmMemory({ initial: 256, maximum });
  const wasmMemory = memory as CustomizeVariantOptions['wasmMemory'];
  const mod = await newQuickJSWASMModuleFromVariant(newVariant(releaseSyncVariant, { wasmMemory }));
  return { mod, heapBytes: () => memory.buffer.byteLength, loadedBytes: memory.buffer.byteLength };
}

/** The package's types describe its CommonJS build; imported as ESM, `default` is the variant itself. */
const releaseSyncVariant = releaseSync.default as unknown as QuickJSSyncVariant;

/** Node has WebAssembly; the TypeScript lib this repo uses (ES2023, no DOM) does not declare its values. */
const WasmMemory = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
    };
  }
).WebAssembly.Memory;

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('judge worker started outside a worker thread');
  const { memoryMb, progress } = workerData as WorkerData;
  const counters = new Int32Array(progress);
  const reply = (message: WorkerReply) => port.postMessage(message);
  let engine: Engine;
  try {
    engine = await loadModule(memoryMb);
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
          const result = judgeRun(engine, request.job, {
            progress(passed, position, testStartedMs) {
              Atomics.store(counters, PROGRESS_PASSED, passed);
              Atomics.store(counters, PROGRESS_TEST_STARTED_MS, Math.floor(testStartedMs));
              Atomics.store(counters, PROGRESS_POSITION, position);
            },
            failure: (first) => reply({ type: 'failure', id: request.id, first }),
          });
          poisoned = result.poisoned;
          answer = { type: 'judged', id: request.id, run: result.run };
        } else {
          const result = checkChallengeRun(engine, request.job);
          poisoned = result.poisoned;
          answer = {
            type: 'checked',
            id: request.id,
            problems: result.problems,
            referenceSlowestTestMs: result.referenceSlowestTestMs,
          };
        }
      } catch (error) {
        poisoned = !(error instanceof GeneratorFault);
        const message = error instanceof Error ? error.message : String(error);
        answer = { type: 'fault', id: request.id, message, generator: error instanceof GeneratorFault };
      }
      reply(answer);
      // A module that failed underneath a runtime is replaced before the next job, which waits on `busy`
      // (after an out-of-memory the old one kept failing: quickjs-emscripten#30).
      if (poisoned) engine = await loadModule(memoryMb);
    });
  });
  reply({ type: 'ready' });
}

await serve();
