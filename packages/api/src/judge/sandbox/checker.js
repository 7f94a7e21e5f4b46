// The challenge's own code (generator and checker) runs here, never next to the user's code.
// `Math.random` is a seeded mulberry32 so a seed replays the same inputs. Evaluates to a factory the
// host calls once with the codec. Two styles (Generator in @skillbytes/shared): `native` generators
// produce the argument array and check with a function body returning true; `legacy` ones, as the
// legacy browser ran them, produce the single argument and check with a script that sees the JSON
// text of the argument and of the output and fails only when it completes with `false`.
(codec) => {
  const { encode, decode, describe, reply, value, isArray, stringify } = codec;
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
  // A test's own checker (compare: checker), compiled once per run.
  const judges = new Map();
  return {
    generate(seed, source, style) {
      state = seed | 0;
      Math.random = random;
      const produced = indirectEval(source);
      if (style === 'legacy') return value([produced]);
      const args = produced;
      if (!isArray(args)) {
        const got = args === null ? 'null' : typeof args;
        throw new TypeErrorC('inFn must evaluate to an array of arguments, got ' + got);
      }
      return value(args);
    },
    compile(body, style) {
      if (style === 'legacy') {
        // A direct eval inside a sloppy function: the script sees `input` and `output`, and its
        // completion value comes back.
        const run = new FunctionC('input', 'output', 'return eval(arguments[2]);');
        checker = (args, output) => run(stringify(args[0]), stringify(output), body) !== false;
      } else {
        checker = new FunctionC('input', 'output', body);
      }
      return '{"t":"ready"}';
    },
    judgeWith(body, inputJson, outputJson, expectedJson) {
      let judge = judges.get(body);
      if (!judge) {
        judge = new FunctionC('input', 'output', 'expected', body);
        judges.set(body, judge);
      }
      const r = judge(decode(inputJson), decode(outputJson), decode(expectedJson));
      if (r === true) return '{"t":"pass"}';
      if (r === false) return '{"t":"fail"}';
      return reply('invalid', {
        message: 'returned ' + (r === null ? 'null' : typeof r) + ', not a boolean',
      });
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
