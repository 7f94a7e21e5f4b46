import { describe, expect, it } from 'vitest';
import { toJavaScript } from './typescript.ts';

const TYPED = `interface Point {
  x: number;
  y: number;
}
enum Axis {
  X,
  Y,
}
export function pick<T extends Point>(p: T, axis: Axis): number {
  return axis === Axis.X ? p.x : (p as Point).y;
}
throw new Error('line 12');
`;

describe('toJavaScript', () => {
  it('leaves JavaScript exactly as written', () => {
    const code = 'const a = 1;\nexport default function f() { return a; }\n';
    expect(toJavaScript(code, 'javascript')).toEqual({ code });
  });

  it('strips types in place: every line stays where it was, exports are kept', () => {
    const source = toJavaScript(TYPED, 'typescript');
    if (!('code' in source)) throw new Error(source.compileError);
    const lines = source.code.split('\n');
    expect(lines).toHaveLength(TYPED.split('\n').length);
    expect(lines[8]).toBe('export function pick(p, axis) {');
    expect(lines[11]).toBe("throw new Error('line 12');");
    expect(source.code).not.toMatch(/interface|: number|as Point/);
  });

  it('reports a TypeScript syntax error with the line it is on', () => {
    const code = 'function f(a: number) {\n  return a;\n}\nconst x: = 3;\n';
    expect(toJavaScript(code, 'typescript')).toEqual({
      compileError: 'SyntaxError: Unexpected token (line 4)',
    });
  });

  it('refuses a value namespace (which the transpiler would silently drop), and names its line', () => {
    const code = 'const a = 1;\nnamespace Geometry {\n  export const unit = 1;\n}\n';
    const source = toJavaScript(code, 'typescript');
    expect(source).toEqual({
      compileError: expect.stringMatching(/namespaces are not supported.*\(line 2\)/),
    });
    expect(toJavaScript('declare namespace G { const unit: number; }\nconst a = 1;', 'typescript')).toEqual({
      code: expect.any(String),
    });
  });

  it('answers code nested too deeply for the parser with a compile error, not a crash', () => {
    const code = `type Deep = ${'Array<'.repeat(20_000)}number${'>'.repeat(20_000)};`;
    expect(toJavaScript(code, 'typescript')).toEqual({
      compileError: 'SyntaxError: the code is nested too deeply to compile',
    });
  });
});
