import { isIPv4, isIPv6 } from 'node:net';

/** The eight hextets of an IPv6 address, or undefined. */
function ipv6Groups(ip: string): string[] | undefined {
  if (!isIPv6(ip) || ip.includes('.')) return undefined;
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined && left.length !== 8) return undefined;
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * The rate-limit key of a client address: IPv4 as is, IPv6 by /64 (one customer usually holds a whole
 * /64, so per-address keys would be free to rotate). No address at all shares one key: fail closed.
 */
export function ipBucket(ip: string | null): string {
  if (!ip) return 'unknown';
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip;
}

/** What `auth.sessions.list` shows: an IPv4 /24 or IPv6 /48, enough to recognise a place. */
export function coarseIp(ip: string | null): string | null {
  if (!ip) return null;
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const groups = ipv6Groups(ip);
  return groups ? `${groups.slice(0, 3).join(':')}::/48` : null;
}
