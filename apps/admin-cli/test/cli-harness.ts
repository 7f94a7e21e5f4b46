import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
