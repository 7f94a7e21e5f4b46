// The user's runtime: console capture, and `call(fn, argsJson)` replying with the outcome.
// Evaluates to a factory the host calls once with the codec, the limits (as JSON) and what
// sandbox/globals.js installed; the object it returns is never put on globalThis, so untrusted code
// cannot reach it.
(codec, limitsJson, globals) => {
  const { encode, decode, describe, thrown, reply, value, apply, sliceS, StringC } = codec;
  const limits = decode(limitsJson);
  const PromiseC = Promise;
  const promiseResolve = Promise.resolve;
  const promiseThen = Promise.prototype.then;
  const RangeErrorC = RangeError;
  const min = Math.min;
  let log = '';
  let testRoom = limits.logPerTest;
  let runRoom = limits.logPerRun;
  // Formatted as Node's console would (globals.js); a value that breaks the formatter still prints.
  const show = (args) => {
    try {
      return globals.format(args);
    } catch {}
    let line = '';
    for (let i = 0; i < args.length; i++) {
      let part;
      try {
        part = StringC(args[i]);
      } catch {
        part = '[unprintable]';
      }
      line += (i ? ' ' : '') + part;
    }
    return line;
  };
  const write = (...args) => {
    if (testRoom <= 0 || runRoom <= 0) return;
    let line = show(args);
    const room = min(testRoom, runRoom);
    line = line.length >= room ? apply(sliceS, line, [0, room - 1]) + '…\n' : line + '\n';
    testRoom -= line.length;
    runRoom -= line.length;
    log += line;
  };
  const console = Object.freeze({
    log: write,
    info: write,
    warn: write,
    error: write,
    debug: write,
    trace: write,
  });
  Object.defineProperty(globalThis, 'console', { value: console, writable: true, configurable: true });
  const ok = (v) => {
    try {
      const text = value(v);
      if (text.length > limits.resultMaxChars) {
        throw new RangeErrorC('The return value is larger than ' + limits.resultMaxChars + ' characters');
      }
      return text;
    } catch (e) {
      return thrown(e);
    }
  };
  const PENDING = '{"t":"pending"}';
  let outcome = null;
  return {
    call(fn, argsJson) {
      testRoom = limits.logPerTest;
      outcome = null;
      let r;
      try {
        r = apply(fn, undefined, decode(argsJson));
        if (
          r === null ||
          (typeof r !== 'object' && typeof r !== 'function') ||
          typeof r.then !== 'function'
        ) {
          return ok(r);
        }
        apply(promiseThen, apply(promiseResolve, PromiseC, [r]), [
          (v) => {
            outcome = ok(v);
          },
          (e) => {
            outcome = thrown(e);
          },
        ]);
      } catch (e) {
        return thrown(e);
      }
      return PENDING;
    },
    outcome: () => outcome ?? PENDING,
    describe,
    logs() {
      const text = log;
      log = '';
      return reply('logs', { text });
    },
    notes: () => reply('notes', { notes: globals.notes() }),
    encode,
  };
};
