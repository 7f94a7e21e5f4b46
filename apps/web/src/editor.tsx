import { javascript } from '@codemirror/lang-javascript';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

/**
 * CodeMirror adds its styles as <style> elements; the page's CSP admits only those that carry the nonce
 * the server put in this page (`<meta property="csp-nonce">`, readable through `.nonce` only).
 */
const cspNonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';

type Props = {
  /** The code the editor starts with; a new value (another challenge) replaces the document. */
  initialCode: string;
  isTypeScript: boolean;
  onChange(code: string): void;
  label: string;
};

/**
 * CodeMirror 6 with JavaScript or TypeScript highlighting. The editor owns the text and React hears of
 * changes; switching the language rebuilds the editor around the text typed so far.
 */
export function CodeEditor({ initialCode, isTypeScript, onChange, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  const doc = useRef({ initialCode, text: initialCode });
  if (doc.current.initialCode !== initialCode) doc.current = { initialCode, text: initialCode };

  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      doc: doc.current.text,
      parent: host.current,
      extensions: [
        basicSetup,
        EditorView.cspNonce.of(cspNonce),
        javascript({ typescript: isTypeScript }),
        EditorView.contentAttributes.of({ 'aria-label': label }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          doc.current.text = update.state.doc.toString();
          changed.current(doc.current.text);
        }),
      ],
    });
    return () => view.destroy();
  }, [initialCode, isTypeScript, label]);

  return <div className="editor" ref={host} />;
}
