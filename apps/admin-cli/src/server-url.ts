import { UsageError } from './errors.ts';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

/**
 * The server's base URL as `--url` or SKILLBYTES_URL gives it, checked before anything is sent:
 * http or https, no credentials (fetch refuses them), no query or fragment. A trailing slash is dropped
 * so one server has one saved session.
 */
export function parseServerUrl(value: string, from: string): string {
  const refuse = (why: string) =>
    new UsageError(`${from} "${value}" is not a server URL: ${why}, like ${DEFAULT_URL}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('expected an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('expected http:// or https://');
  if (url.username || url.password) throw refuse('expected no user name or password in it');
  if (url.search || url.hash) throw refuse('expected no query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
