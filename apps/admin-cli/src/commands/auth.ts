import type { Command } from 'commander';
import { createAdminClient } from '../client.ts';
import { commandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { keyValues } from '../output.ts';
import {
  forgetSession,
  loadDeviceToken,
  loadSession,
  saveDeviceToken,
  saveSession,
  sessionFile,
} from '../session-store.ts';

/** All of stdin, minus one trailing line break: the password is otherwise taken exactly as given. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without echoing it; `otherwise` says what to do without a terminal. */
function promptHidden(question: string, otherwise: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new UsageError(`stdin is not a terminal: ${otherwise}`));
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new UsageError('cancelled'));
          return;
        }
        value = ch === '\u007f' || ch === '\b' ? [...value].slice(0, -1).join('') : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}

type LoginOptions = { email: string; passwordStdin?: boolean; code?: string; recoveryCode?: string };

/** The account has MFA on: the code from the flags, or asked for on the terminal. */
async function secondStep(
  client: ReturnType<typeof createAdminClient>,
  mfaToken: string,
  opts: LoginOptions,
) {
  if (opts.recoveryCode) return client.auth.mfa.verify.mutate({ mfaToken, recoveryCode: opts.recoveryCode });
  const code =
    opts.code ??
    (await promptHidden('Authenticator code: ', 'pass the code with --code (or --recovery-code)'));
  if (!code) throw new UsageError('no code given');
  return client.auth.mfa.verify.mutate({ mfaToken, code });
}

export function registerAuth(program: Command) {
  program
    .command('login')
    .description(`sign in and save the session for this server (in ${sessionFile()}, mode 0600)`)
    .requiredOption('--email <email>', 'the account (an email or a username)')
    .option('--password-stdin', 'read the password from standard input instead of prompting')
    .option('--code <code>', 'the authenticator app code, for an account with MFA on (else it is asked for)')
    .option('--recovery-code <code>', 'one of the recovery codes, instead of an authenticator app code')
    .action(async (opts: LoginOptions, cmd: Command) => {
      const { out, url } = commandContext(cmd, { signIn: false });
      if (opts.code && opts.recoveryCode) throw new UsageError('give --code or --recovery-code, not both');
      const password = opts.passwordStdin
        ? await readStdin()
        : await promptHidden('Password: ', 'pass the password with --password-stdin');
      if (!password) throw new UsageError('no password given');
      // Never send a saved token or API key along with a login.
      const client = createAdminClient(url, () => undefined);
      const deviceToken = loadDeviceToken(url);
      const first = await client.auth.login.mutate({
        identifier: opts.email,
        password,
        tokenDelivery: 'body',
        ...(deviceToken ? { deviceToken } : {}),
      });
      const result = 'mfaRequired' in first ? await secondStep(client, first.mfaToken, opts) : first;
      if (!result.accessToken || !result.refreshToken) throw new Error('the server sent no tokens');
      if (result.deviceToken) saveDeviceToken(url, result.deviceToken);
      saveSession({
        url,
        accessToken: result.accessToken,
        refreshToken: result.refreshToken,
        email: result.user.email,
      });
      if (result.user.role !== 'admin')
        out.info('note: this account is not an admin; admin commands will be refused');
      out.result(
        {
          email: result.user.email,
          username: result.user.username,
          role: result.user.role,
          url,
          sessionExpiresAt: result.sessionExpiresAt,
        },
        (r) =>
          `logged in to ${r.url} as ${r.email} (${r.role}); session valid until ${r.sessionExpiresAt.toISOString()}`,
      );
    });

  program
    .command('logout')
    .description('sign out on the server and forget the saved session')
    .action(async (_opts, cmd: Command) => {
      const { out, url } = commandContext(cmd, { signIn: false });
      const saved = loadSession(url);
      if (!saved) {
        out.result({ url, loggedOut: false }, () => `not logged in to ${url}`);
        return;
      }
      let revoked = true;
      try {
        await createAdminClient(url, () => loadSession(url)?.accessToken).auth.logout.mutate();
      } catch {
        // The session may already be over on the server; forgetting it here is what matters.
        revoked = false;
      } finally {
        forgetSession(url);
      }
      out.result({ url, loggedOut: true, revokedOnServer: revoked }, () =>
        revoked
          ? `logged out of ${url}`
          : `forgot the saved session for ${url} (it had already ended on the server)`,
      );
    });

  program
    .command('whoami')
    .description('show the account behind the saved session or API key')
    .action(async (_opts, cmd: Command) => {
      const { client, out, url, options } = commandContext(cmd);
      const me = await client.auth.me.query();
      const via = options.apiKey ? 'api key' : 'session';
      out.result({ ...me, url, via }, (m) =>
        keyValues([
          ['id', m.id],
          ['email', m.email],
          ['username', m.username],
          ['name', m.name],
          ['role', m.role],
          ['points', m.points],
          ['created', m.createdAt],
          ['server', m.url],
          ['via', m.via],
        ]),
      );
    });
}
