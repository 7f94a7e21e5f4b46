// The challenge's own code (generator and checker) runs here, never next to the user's code.
// `Math.random` is a seeded mulberry32 so a seed replays the same inputs. Evaluates to a factory the
// host calls once with the codec.
(codec) => {
  const { encode, decode, describe, reply, value, isArray } = codec;
  // biome-ignore lint/security/noGlobalEval: inFn is a script by definition (DESIGN §6.1), run here, in the checker's own runtime.
  const indirectEval = eval;
  const imul = Math.imul;
  const FunctionC = Function;
  const TypeErrorC = TypeError;
  let state = 0;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = imul(state ^ (state >>> 15), 1 | state);
    t = (t + imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let checker = null;
  return {
    generate(seed, source) {
      state = seed | 0;
      Math.random = random;
      const args = indirectEval(source);
      if (!isArray(args)) {
        const got = args === null ? 'null' : typeof args;
        throw new TypeErrorC('inFn must evaluate to an array of arguments, got ' + got);
      }
      return value(args);
    },
    compile(body) {
      checker = new FunctionC('input', 'output', body);
      return '{"t":"ready"}';
    },
    check(inputJson, outputJson) {
      const r = checker(decode(inputJson), decode(outputJson));
      if (r === true) return '{"t":"pass"}';
      if (r === false) return '{"t":"fail"}';
      return reply('invalid', {
        message: 'returned ' + (r === null ? 'null' : typeof r) + ', not a boolean',
      });
    },
    describe,
    encode,
  };
};
