// The author form of typed values (toTagged / fromTagged in @skillbytes/shared), written again for the
// memorising solutions (adversary.js, and the class ones of adversary-steps.ts): they receive real
// values (Map, Date, 12n) and key their tables by the author-form text. Evaluates to a function of the
// global object that takes every global it needs at once.
(g) => {
  const MapC = g.Map;
  const SetC = g.Set;
  const DateC = g.Date;
  const BigIntC = g.BigInt;
  const StringC = g.String;
  const isArray = g.Array.isArray;
  const from = g.Array.from;
  const keys = g.Object.keys;
  const fromEntries = g.Object.fromEntries;
  const is = g.Object.is;
  const isFiniteC = g.Number.isFinite;
  const TAGS = new SetC(['$bigint', '$date', '$undefined', '$number', '$map', '$set', '$object']);
  const NUMBERS = { NaN: g.NaN, Infinity: g.Infinity, '-Infinity': -g.Infinity, '-0': -0 };
  const tagOf = (ks) => (ks.length === 1 && TAGS.has(ks[0]) ? ks[0] : null);

  const toTagged = (v) => {
    switch (typeof v) {
      case 'undefined':
        return { $undefined: true };
      case 'bigint':
        return { $bigint: StringC(v) };
      case 'number':
        if (isFiniteC(v) && !is(v, -0)) return v;
        return { $number: is(v, -0) ? '-0' : StringC(v) };
      case 'object':
        if (v === null) return null;
        if (isArray(v)) return from(v, toTagged);
        if (v instanceof DateC) return { $date: v.toISOString() };
        if (v instanceof MapC) return { $map: from(v, (entry) => [toTagged(entry[0]), toTagged(entry[1])]) };
        if (v instanceof SetC) return { $set: from(v, toTagged) };
        return objectTagged(v);
      default:
        return v;
    }
  };
  const objectTagged = (v) => {
    const ks = keys(v);
    const o = fromEntries(from(ks, (k) => [k, toTagged(v[k])]));
    return tagOf(ks) === null ? o : { $object: o };
  };

  const fromTagged = (json) => {
    if (typeof json !== 'object' || json === null) return json;
    if (isArray(json)) return from(json, fromTagged);
    const ks = keys(json);
    const v = json[ks[0]];
    switch (tagOf(ks)) {
      case '$bigint':
        return BigIntC(v);
      case '$date':
        return new DateC(v);
      case '$undefined':
        return undefined;
      case '$number':
        return NUMBERS[v];
      case '$map':
        return new MapC(from(v, (pair) => [fromTagged(pair[0]), fromTagged(pair[1])]));
      case '$set':
        return new SetC(from(v, fromTagged));
      case '$object':
        return fromEntries(from(keys(v), (k) => [k, fromTagged(v[k])]));
      default:
        return fromEntries(from(ks, (k) => [k, fromTagged(json[k])]));
    }
  };

  return { toTagged, fromTagged };
};
