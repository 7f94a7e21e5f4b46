/**
 * Challenge statements are HTML written by admins. They are shown through an allowlist: known text
 * tags only, no attributes but a checked `href`, no `<style>` or `<script>`, so a statement can neither
 * run code nor restyle the app. Parsed in a <template>, whose content is inert: nothing in it loads,
 * runs or applies (a DOMParser document would still apply its styles, which the CSP reports).
 */
const ALLOWED_TAGS = new Set([
  'A',
  'B',
  'BLOCKQUOTE',
  'BR',
  'CODE',
  'DD',
  'DIV',
  'DL',
  'DT',
  'EM',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HR',
  'I',
  'KBD',
  'LI',
  'OL',
  'P',
  'PRE',
  'S',
  'SAMP',
  'SMALL',
  'SPAN',
  'STRONG',
  'SUB',
  'SUP',
  'TABLE',
  'TBODY',
  'TD',
  'TFOOT',
  'TH',
  'THEAD',
  'TR',
  'U',
  'UL',
  'VAR',
]);
const DROPPED_WITH_CONTENT = new Set([
  'SCRIPT',
  'STYLE',
  'TEMPLATE',
  'IFRAME',
  'OBJECT',
  'EMBED',
  'NOSCRIPT',
]);

export function sanitizeChallengeHtml(html: string): string {
  const template = document.createElement('template');
  template.innerHTML = html;
  clean(template.content);
  const out = document.createElement('div');
  out.append(template.content);
  return out.innerHTML;
}

function clean(node: ParentNode) {
  for (const child of [...node.children]) {
    if (DROPPED_WITH_CONTENT.has(child.tagName)) {
      child.remove();
      continue;
    }
    clean(child);
    if (!ALLOWED_TAGS.has(child.tagName)) {
      child.replaceWith(...child.childNodes);
      continue;
    }
    const href = child.tagName === 'A' ? child.getAttribute('href') : null;
    for (const attr of [...child.attributes]) child.removeAttribute(attr.name);
    if (href !== null && /^https?:\/\//i.test(href)) {
      child.setAttribute('href', href);
      child.setAttribute('rel', 'noopener noreferrer');
      child.setAttribute('target', '_blank');
    }
  }
}
