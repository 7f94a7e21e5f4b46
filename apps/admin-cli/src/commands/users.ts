import { Username } from '@skillbytes/shared';
import type { Command } from 'commander';
import { z } from 'zod';
import type { AdminClient } from '../client.ts';
import { commandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { keyValues, table } from '../output.ts';

/** `ID_OR_USERNAME` → the admin.users.get input; anything else is a usage error (exit 2). */
function userRef(value: string): { id: string } | { username: string } {
  const v = value.trim();
  if (z.uuid().safeParse(v).success) return { id: v.toLowerCase() };
  if (Username.safeParse(v).success) return { username: v };
  throw new UsageError(`"${value}" is neither a user id nor a username (3–32 letters, digits, _)`);
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : '');

async function changeRole(client: AdminClient, who: string, role: 'admin' | 'user') {
  const user = await client.admin.users.get.query(userRef(who));
  return client.admin.users.setRole.mutate({ id: user.id, role });
}

export function registerUsers(program: Command) {
  const users = program.command('users').description('accounts: list, show, promote to admin, demote');

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
      out.result(page, (p) => {
        const rows = p.items.map((u) => [
          u.id,
          u.email,
          u.username,
          u.role,
          u.points,
          day(u.createdAt),
          u.deletedAt ? `deleted ${day(u.deletedAt)}` : '',
        ]);
        const more = p.nextCursor ? `\nmore: --cursor ${p.nextCursor}` : '';
        return `${table(['id', 'email', 'username', 'role', 'points', 'created', 'status'], rows)}${more}`;
      });
    });

  users
    .command('show')
    .argument('<id-or-username>')
    .description('one account, with its active sessions and API keys')
    .action(async (who: string, _opts, cmd: Command) => {
      const ref = userRef(who);
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
          ['streak', `${u.currentStreak} (best ${u.bestStreak})`],
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
    users
      .command(name)
      .argument('<username>')
      .description(
        role === 'admin'
          ? 'make an account admin (signs it out everywhere)'
          : 'take admin rights away (signs it out everywhere; never the last admin)',
      )
      .action(async (who: string, _opts, cmd: Command) => {
        userRef(who);
        const { client, out } = commandContext(cmd);
        const user = await changeRole(client, who, role);
        out.result(user, (u) =>
          u.changed
            ? `${u.username ?? u.email} is now ${role === 'admin' ? 'an admin' : 'a regular user'} (signed out everywhere)`
            : `${u.username ?? u.email} already was ${role === 'admin' ? 'an admin' : 'a regular user'}`,
        );
      });
  }
}
