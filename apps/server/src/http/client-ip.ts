import type http from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Whether an address is a trusted proxy (TRUST_PROXY, made once by `trustedProxies`). */
export type ProxyMatcher = (ip: string) => boolean;

/** The socket address, or the first untrusted hop of X-Forwarded-For when the socket is a trusted proxy. */
export function clientIp(req: http.IncomingMessage, isTrusted: ProxyMatcher): string | null {
  const remote = normalizeIp(req.socket.remoteAddress);
  if (!remote || !isTrusted(remote)) return remote;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => normalizeIp(s.trim()))
    .filter((s): s is string => Boolean(s));
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = forwarded[i]!;
    if (!isTrusted(hop)) return hop;
  }
  return remote;
}

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`: an address or a CIDR range (the prefix within 32 or 128). */
export function isProxyAddress(entry: string): boolean {
  return parseEntry(entry) !== null;
}

/** A matcher for TRUST_PROXY entries (each valid per `isProxyAddress`; config parsing checked them). */
export function trustedProxies(entries: string[]): ProxyMatcher {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (!parsed) throw new Error(`TRUST_PROXY: "${entry}" is not an IP address or CIDR range`);
    list.addSubnet(parsed.address, parsed.prefix, parsed.type);
  }
  return (ip) => {
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    return list.check(ip, type);
  };
}

function parseEntry(entry: string) {
  const [rawAddress = '', prefixText, extra] = entry.trim().split('/');
  const address =
    rawAddress.startsWith('::ffff:') && isIP(rawAddress.slice(7)) === 4 ? rawAddress.slice(7) : rawAddress;
  const family = isIP(address);
  if (!family || extra !== undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { address, prefix, type: family === 4 ? ('ipv4' as const) : ('ipv6' as const) };
}

function normalizeIp(ip: string | undefined | null) {
  if (!ip) return null;
  const v = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return isIP(v) ? v : null;
}
