// The user's runtime: console capture, and `call(fn, argsJson)` replying with the outcome.
// Evaluates to a factory the host calls once with the codec and the limits (as JSON); the object it
// returns is never put on globalThis, so untrusted code cannot reach it.
(codec, limitsJson) => {
  const { encode, decode, describe, thrown, reply, value, stringify, apply, sliceS, StringC } = codec;
  const limits = decode(limitsJson);
  const PromiseC = Promise;
  const promiseResolve = Promise.resolve;
  const promiseThen = Promise.prototype.then;
  const RangeErrorC = RangeError;
  const min = Math.min;
  let log = '';
  let testRoom = limits.logPerTest;
  let runRoom = limits.logPerRun;
  const show = (v) => {
    if (typeof v === 'string') return v;
    try {
      const s = stringify(v);
      if (typeof s === 'string') return s;
    } catch {}
    try {
      return StringC(v);
    } catch {
      return '[unprintable]';
    }
  };
  const write = (...args) => {
    if (testRoom <= 0 || runRoom <= 0) return;
    let line = '';
    for (let i = 0; i < args.length; i++) line += (i ? ' ' : '') + show(args[i]);
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
    encode,
  };
};
