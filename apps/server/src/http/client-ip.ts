import type http from 'node:http';
import { isIP } from 'node:net';

/** The socket address, or the first untrusted hop of X-Forwarded-For when the socket is a trusted proxy. */
export function clientIp(req: http.IncomingMessage, trustedProxies: string[]): string | null {
  const remote = normalizeIp(req.socket.remoteAddress);
  if (!remote || !trustedProxies.includes(remote)) return remote;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => normalizeIp(s.trim()))
    .filter((s): s is string => Boolean(s));
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = forwarded[i]!;
    if (!trustedProxies.includes(hop)) return hop;
  }
  return remote;
}

function normalizeIp(ip: string | undefined | null) {
  if (!ip) return null;
  const v = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return isIP(v) ? v : null;
}
