import type http from 'node:http';

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-site',
  'cross-origin-opener-policy': 'same-origin',
};

/** On every response; HSTS only in production. */
export function setSecurityHeaders(res: http.ServerResponse, isProduction: boolean) {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  if (isProduction) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
}
