import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TrpcBody, trpcPost } from '@skillbytes/server/testing';
import { inject } from 'vitest';

/** The packed CLI as npm installed it outside the repository (test/global-setup.ts). */
export const installed = inject('installedCli');

/** The environment of a CLI under test: its own config dir unless one is given, no URL or key from ours. */
function cliEnv(opts: { env?: Record<string, string | undefined>; configDir?: string }) {
  return {
    ...process.env,
    SKILLBYTES_CONFIG_DIR: opts.configDir ?? mkdtempSync(path.join(tmpdir(), 'sb-cli-')),
    SKILLBYTES_URL: '',
    SKILLBYTES_API_KEY: '',
    SKILLBYTES_FORCE_TTY: '',
    ...opts.env,
  };
}

export type CliResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs the installed skillbytes-admin as a real subprocess, from its install directory, with its own
 * config dir unless one is given. Its stdin and stdout are pipes, so tables come out plain.
 */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string | undefined>; stdin?: string; configDir?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [installed.entry, ...args], {
      cwd: installed.prefix,
      env: cliEnv(opts),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command that exits without reading stdin (--help, a usage error) closes it first: not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.stdin ?? '');
  });
}

/** Whether util-linux `script` is here to run the CLI on a pseudo-terminal. */
export const hasScript = spawnSync('script', ['--version']).status === 0;

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the installed skillbytes-admin on a pseudo-terminal `columns` wide (util-linux `script`), as if
 * typed at a prompt, with `input` typed in. `output` is what the terminal showed: stdout, stderr and the
 * echoed input together, with CRLF line ends.
 */
export function runInTerminal(
  args: string[],
  opts: {
    columns?: number;
    input?: string;
    env?: Record<string, string | undefined>;
    configDir?: string;
  } = {},
): Promise<{ code: number | null; output: string }> {
  const command = `stty cols ${opts.columns ?? 80} rows 50; exec ${[process.execPath, installed.entry, ...args].map(shellQuote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      cwd: installed.prefix,
      env: cliEnv(opts),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(opts.input ?? '');
  });
}

/** A local port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The result of a raw tRPC call, or a failure that says what the server answered instead. */
export function resultOf<T>(response: { body: TrpcBody }): T {
  const data = response.body.result?.data.json;
  if (data === undefined) throw new Error(`call failed: ${JSON.stringify(response.body.error)}`);
  return data as T;
}

/** Logs the bootstrap admin in and mints an admin API key for the CLI under test. */
export async function createAdminApiKey(
  url: string,
  admin: { email: string; password: string },
  name: string,
) {
  const login = await trpcPost(url, 'auth.login', {
    identifier: admin.email,
    password: admin.password,
    tokenDelivery: 'body',
  });
  const { accessToken } = resultOf<{ accessToken: string }>(login);
  const key = await trpcPost(
    url,
    'admin.apiKeys.create',
    { name },
    { authorization: `Bearer ${accessToken}` },
  );
  return { apiKey: resultOf<{ key: string }>(key).key, accessToken };
}
