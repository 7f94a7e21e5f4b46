import type { Command } from 'commander';
import type { AdminClient } from '../client.ts';
import { confirm } from '../confirm.ts';
import { commandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { schemas } from '../schemas.ts';
import { keyValues } from '../output.ts';

/** `ID_OR_USERNAME` → the admin.users.get input; anything else is a usage error (exit 2). */
async function userRef(value: string): Promise<{ id: string } | { username: string }> {
  const { IdInput, Username } = await schemas();
  const v = value.trim();
  if (IdInput.safeParse({ id: v }).success) return { id: v.toLowerCase() };
  if (Username.safeParse(v).success) return { username: v };
  throw new UsageError(`"${value}" is neither a user id nor a username (3–32 letters, digits, _)`);
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : '');

async function changeRole(
  client: AdminClient,
  ref: { id: string } | { username: string },
  role: 'admin' | 'user',
) {
  const user = await client.admin.users.get.query(ref);
  return client.admin.users.setRole.mutate({ id: user.id, role });
}

export function registerUsers(program: Command) {
  const users = program
    .command('users')
    .description('accounts: list, show, promote to admin, demote, sign out everywhere, reset a password');

  users
    .command('list')
    .description('accounts, newest first')
    .option('--query <q>', 'match email, username or name (or an exact id)')
    .option('--limit <n>', 'how many (1-100)', (v) => Number.parseInt(v, 10), 20)
    .option('--cursor <c>', 'continue after a previous page (its nextCursor)')
    .action(async (opts: { query?: string; limit: number; cursor?: string }, cmd: Command) => {
      if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > 100) {
        throw new UsageError('--limit takes a whole number from 1 to 100');
      }
      const { client, out } = commandContext(cmd);
      const page = await client.admin.users.list.query({
        query: opts.query,
        limit: opts.limit,
        cursor: opts.cursor,
      });
      out.list(page, {
        columns: [
          { header: 'id', fixed: true },
          'email',
          'username',
          { header: 'role', fixed: true },
          { header: 'points', fixed: true },
          { header: 'created', fixed: true },
          'status',
        ],
        row: (u) => [
          u.id,
          u.email,
          u.username,
          u.role,
          u.points,
          day(u.createdAt),
          u.deletedAt ? `deleted ${day(u.deletedAt)}` : '',
        ],
        empty: opts.query ? `no account matches "${opts.query}"` : 'no accounts',
      });
    });

  users
    .command('show')
    .argument('<id-or-username>')
    .description('one account, with its active sessions, API keys and achievements')
    .action(async (who: string, _opts, cmd: Command) => {
      const ref = await userRef(who);
      const { client, out } = commandContext(cmd);
      const user = await client.admin.users.get.query(ref);
      out.result(user, (u) =>
        keyValues([
          ['id', u.id],
          ['email', u.email],
          ['username', u.username],
          ['name', u.name],
          ['role', u.role],
          ['points', u.points],
          ['streak', `${u.currentStreak} (best ${u.bestStreak}, ${u.freezesHeld} freezes held)`],
          ['hints opened', u.hintsUsed],
          [
            'achievements',
            u.achievements.length === 0
              ? 'none yet'
              : u.achievements.map((a) => `${a.title} (${a.earnedAt.toISOString().slice(0, 10)})`).join(', '),
          ],
          ['sessions', u.activeSessions],
          ['api keys', u.activeApiKeys],
          ['created', u.createdAt],
          ['deleted', u.deletedAt],
        ]),
      );
    });

  for (const [name, role] of [
    ['promote', 'admin'],
    ['demote', 'user'],
  ] as const) {
    const command = users
      .command(name)
      .argument('<username>')
      .description(
        role === 'admin'
          ? 'make an account admin (signs it out everywhere)'
          : 'take admin rights away (signs it out everywhere; never the last admin)',
      );
    if (role === 'user') command.option('-y, --yes', 'demote without asking');
    command.action(async (who: string, opts: { yes?: boolean }, cmd: Command) => {
      const ref = await userRef(who);
      const { client, out } = commandContext(cmd);
      if (role === 'user') {
        await confirm(
          opts,
          `demote ${who}`,
          `Demote ${who}? It loses admin rights and is signed out everywhere.`,
        );
      }
      const user = await changeRole(client, ref, role);
      out.result(user, (u) =>
        u.changed
          ? `${u.username ?? u.email} is now ${role === 'admin' ? 'an admin' : 'a regular user'} (signed out everywhere)`
          : `${u.username ?? u.email} already was ${role === 'admin' ? 'an admin' : 'a regular user'}`,
      );
    });
  }

  users
    .command('revoke-sessions')
    .argument('<id-or-username>')
    .description('sign an account out everywhere: every session it has ends (its API keys stay)')
    .option('-y, --yes', 'revoke without asking')
    .action(async (who: string, opts: { yes?: boolean }, cmd: Command) => {
      const ref = await userRef(who);
      const { client, out } = commandContext(cmd);
      await confirm(opts, `sign ${who} out`, `Sign ${who} out everywhere? Every session it has ends.`);
      const user = await client.admin.users.get.query(ref);
      const { revoked } = await client.admin.users.revokeSessions.mutate({ id: user.id });
      out.result(
        { id: user.id, username: user.username, email: user.email, revoked },
        (r) =>
          `signed ${r.username ?? r.email} out everywhere (${r.revoked} session${r.revoked === 1 ? '' : 's'} ended)`,
      );
    });

  users
    .command('reset-password')
    .argument('<id-or-username>')
    .description(
      'print a one-time password reset link to hand to the account owner (30 minutes; older links stop working)',
    )
    .action(async (who: string, _opts, cmd: Command) => {
      const ref = await userRef(who);
      const { client, out } = commandContext(cmd);
      const user = await client.admin.users.get.query(ref);
      const link = await client.admin.users.issuePasswordReset.mutate({ id: user.id });
      out.result(
        { id: user.id, username: user.username, email: user.email, url: link.url, expiresAt: link.expiresAt },
        (r) =>
          [
            `password reset link for ${r.username ?? r.email} (works once, until ${r.expiresAt.toISOString()}):`,
            r.url,
          ].join('\n'),
      );
    });
}
