import type { Language } from '@skillbytes/shared';
import { transform } from 'sucrase';

/** A solution as the sandbox evaluates it (JavaScript), or why it cannot be: a compile error's text. */
export type Source = { code: string } | { compileError: string };

/**
 * Sucrase's TypeScript transform only: types are stripped, never checked, and every line stays where
 * it was (sucrase pads what it removes), so an error the sandbox reports names the user's own line.
 * `import`/`export` are left as written (the judge runs module syntax itself) and modern syntax is not
 * lowered (`disableESTransforms`): QuickJS runs it as it is.
 */
const STRIP_TYPES = { transforms: ['typescript' as const], disableESTransforms: true };

/**
 * A `namespace` (or `module`) block at the start of a line. Sucrase drops namespaces whole, values
 * included (alangpierce/sucrase#659), so code that uses one would fail later with a baffling
 * ReferenceError; such a solution is refused up front instead. `declare namespace` (types only) is fine.
 * Like MODULE_SYNTAX in run.ts this reads lines, so the same words at the start of a line inside a
 * template string are refused too.
 */
const NAMESPACE = /^[ \t]*(?:export[ \t]+)?(?:namespace|module)[ \t]+[A-Za-z_$][\w$.]*[ \t]*\{/m;

/** Sucrase ends a syntax error's message with the position it gives in `loc`: `Unexpected token (4:10)`. */
const POSITION_SUFFIX = / \(\d+:\d+\)$/;

/**
 * The code the sandbox runs for a solution in `language`: JavaScript as it is; TypeScript with its types
 * stripped. A TypeScript syntax error is a compile error naming the user's line, as QuickJS's own are.
 * Runs in the judge worker (sucrase is synchronous): never on the server's event loop.
 */
export function toJavaScript(code: string, language: Language): Source {
  if (language === 'javascript') return { code };
  const namespace = NAMESPACE.exec(code);
  if (namespace) {
    const line = code.slice(0, namespace.index).split('\n').length;
    return {
      compileError:
        `SyntaxError: TypeScript namespaces are not supported, only \`declare namespace\` (line ${line}); ` +
        'use an object or plain declarations',
    };
  }
  try {
    return { code: transform(code, STRIP_TYPES).code };
  } catch (error) {
    return { compileError: compileErrorText(error) };
  }
}

/** A transpiler failure as a verdict message: `SyntaxError: <what> (line N)`, like QuickJS's own. */
function compileErrorText(error: unknown): string {
  // Sucrase parses by recursive descent: code nested thousands deep overflows the worker's stack.
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return 'SyntaxError: the code is nested too deeply to compile';
  const message = error instanceof Error ? error.message : String(error);
  const loc = (error as { loc?: { line?: unknown } } | null)?.loc;
  const line = typeof loc?.line === 'number' ? ` (line ${loc.line})` : '';
  return `SyntaxError: ${message.replace(POSITION_SUFFIX, '').slice(0, 500)}${line}`;
}
