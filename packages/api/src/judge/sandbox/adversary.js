// A memorising solution (adversary.ts), run as any solution is: it answers the visible tests from a
// table (throwing where a visible test expects a throw) and everything else with a fallback. Its arguments arrive as real values (Map, Date, 12n), so
// the table is keyed by the author-form text of the argument list (sandbox/typed.js) and holds
// author-form answers, which it turns back into real values.
// Evaluates to a function the adversary's source calls with the global object: it declares no global
// and takes every global it needs before it defines its own function there, so a challenge whose
// function is named `JSON`, `Map` or `globalThis` does not break it.
(g, typed, functionName, tableText, fallbackText) => {
  const parse = g.JSON.parse;
  const stringify = g.JSON.stringify;
  const MapC = g.Map;
  const ErrorC = g.Error;
  const { toTagged, fromTagged } = typed;
  const answers = new MapC(parse(tableText));
  g[functionName] = (...args) => {
    const key = stringify(toTagged(args));
    if (answers.has(key)) {
      const a = answers.get(key);
      if (a[0] !== 'err') return fromTagged(a[1]);
      const e = new ErrorC(a[2]);
      e.name = a[1];
      throw e;
    }
    return fallbackText === null ? args[0] : fromTagged(parse(fallbackText));
  };
};
