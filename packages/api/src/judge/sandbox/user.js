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
  const construct = Reflect.construct;
  const arrayFrom = Array.from;
  const TypeErrorC = TypeError;
  let outcome = null;
  /** A returned value, or the outcome of a returned promise once the host has run the jobs queue. */
  const settle = (r) => {
    if (r === null || (typeof r !== 'object' && typeof r !== 'function') || typeof r.then !== 'function') {
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
    return PENDING;
  };
  /** The instance a class test's steps act on; each test constructs its own. */
  let instance;
  const act = (kind, cls, name, args) => {
    switch (kind) {
      case 'new':
        instance = undefined;
        instance = construct(cls, args);
        return undefined;
      case 'call': {
        const method = instance[name];
        if (typeof method !== 'function') {
          throw new TypeErrorC('The instance has no method ' + name + ' (it is ' + typeof method + ')');
        }
        return apply(method, instance, args);
      }
      case 'get':
        return instance[name];
      default:
        return arrayFrom(instance);
    }
  };
  return {
    call(fn, argsJson) {
      testRoom = limits.logPerTest;
      outcome = null;
      try {
        return settle(apply(fn, undefined, decode(argsJson)));
      } catch (e) {
        return thrown(e);
      }
    },
    /** One step of a class test: `new` (with arguments), `call` a method, `get` a property, `iterate`. */
    step(cls, kind, name, argsJson) {
      if (kind === 'new') testRoom = limits.logPerTest;
      outcome = null;
      try {
        return settle(act(kind, cls, name, decode(argsJson)));
      } catch (e) {
        return thrown(e);
      }
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
