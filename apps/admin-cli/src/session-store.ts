import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export type SavedSession = { url: string; accessToken: string; refreshToken?: string; email?: string };

/** SKILLBYTES_CONFIG_DIR, else `skillbytes` in the XDG config directory (~/.config unless XDG_CONFIG_HOME). */
function configDir() {
  const own = process.env.SKILLBYTES_CONFIG_DIR;
  if (own) return own;
  // The XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and is ignored.
  const xdg = process.env.XDG_CONFIG_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.config'), 'skillbytes');
}

/** The file `login` writes: one session per server URL, mode 0600 in a 0700 directory. */
export function sessionFile() {
  return path.join(configDir(), 'session.json');
}

/**
 * Device tokens, one per server URL, in a file of their own: `logout` keeps them. The server gives one
 * with every login and lets a login that sends it back past other people's failed guesses.
 */
function deviceFile() {
  return path.join(configDir(), 'device.json');
}

function readDevices(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(deviceFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

export function loadDeviceToken(url: string): string | undefined {
  const token = readDevices()[url];
  return typeof token === 'string' ? token : undefined;
}

export function saveDeviceToken(url: string, token: string) {
  const file = deviceFile();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ ...readDevices(), [url]: token }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function readAll(): Record<string, SavedSession> {
  const file = sessionFile();
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, SavedSession>;
  } catch {
    return {};
  }
}

export function loadSession(url: string): SavedSession | undefined {
  return readAll()[url];
}

export function saveSession(session: SavedSession) {
  const file = sessionFile();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const all = { ...readAll(), [session.url]: session };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function forgetSession(url: string) {
  const all = readAll();
  delete all[url];
  const file = sessionFile();
  if (Object.keys(all).length === 0) rmSync(file, { force: true });
  else {
    writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
}
