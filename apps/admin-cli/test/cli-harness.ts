import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type TrpcBody, trpcPost } from '@skillbytes/server/testing';

const bin = fileURLToPath(new URL('../bin/skillbytes-admin.js', import.meta.url));

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs skillbytes-admin as a real subprocess, with its own config dir unless one is given. */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; configDir?: string } = {},
): Promise<CliResult> {
  const configDir = opts.configDir ?? mkdtempSync(path.join(tmpdir(), 'sb-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        ...process.env,
        SKILLBYTES_CONFIG_DIR: configDir,
        SKILLBYTES_URL: '',
        SKILLBYTES_API_KEY: '',
        ...opts.env,
      },
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
    child.stdin.end(opts.stdin ?? '');
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
