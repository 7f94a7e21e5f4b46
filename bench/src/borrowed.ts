import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Packages the app already installs, loaded from the workspace package that depends on them, so the
 * bench uses exactly the app's versions without declaring (and installing) them a second time.
 */
async function importFrom<T>(anchor: string, specifier: string): Promise<T> {
  const require = createRequire(anchor);
  const mod = (await import(pathToFileURL(require.resolve(specifier)).href)) as T & { default?: T };
  return (mod.default && typeof mod.default === 'object' ? { ...mod.default, ...mod } : mod) as T;
}

const apiAnchor = new URL('../../packages/api/package.json', import.meta.url).href;
const serverAnchor = new URL('../../apps/server/package.json', import.meta.url).href;

type Argon2 = {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
};

/** argon2id with the library defaults the app uses (m=19456 KiB, t=2, p=1). */
export async function argon2Hash(password: string): Promise<string> {
  const argon2 = await importFrom<Argon2>(apiAnchor, '@node-rs/argon2');
  return argon2.hash(password);
}

export async function argon2Verify(hash: string, password: string): Promise<boolean> {
  const argon2 = await importFrom<Argon2>(apiAnchor, '@node-rs/argon2');
  return argon2.verify(hash, password);
}

export type EventSourceLike = {
  onmessage: ((event: { data: string; lastEventId: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onopen: (() => void) | null;
  addEventListener(type: string, listener: (event: { data: string; lastEventId: string }) => void): void;
  close(): void;
};

export type EventSourceInit = {
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
};

type EventSourceModule = {
  EventSource: new (url: string, init?: EventSourceInit) => EventSourceLike;
};

/** The `eventsource` ponyfill (Node 20 has no EventSource), as the server's tests use it. */
export async function loadEventSource(): Promise<EventSourceModule['EventSource']> {
  const mod = await importFrom<EventSourceModule>(serverAnchor, 'eventsource');
  return mod.EventSource;
}
