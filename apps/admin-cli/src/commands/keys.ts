import type { Command } from 'commander';
import { confirm } from '../confirm.ts';
import { commandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { schemas } from '../schemas.ts';
import { keyValues } from '../output.ts';

const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : '');

export function registerKeys(program: Command) {
  const keys = program
    .command('keys')
    .description('admin API keys (for automation: --api-key / SKILLBYTES_API_KEY)');

  keys
    .command('create')
    .description('create a key owned by you; it is printed once, never again')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--expires-in-days <days>', 'make it expire (1-3650 days)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { name: string; expiresInDays?: number }, cmd: Command) => {
      const days = opts.expiresInDays;
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
        throw new UsageError('--expires-in-days takes a whole number from 1 to 3650');
      }
      const { client, out } = commandContext(cmd);
      const created = await client.admin.apiKeys.create.mutate({ name: opts.name, expiresInDays: days });
      if (!out.json) out.info('Store this key now: it is shown only once.');
      out.result(created, (k) =>
        keyValues([
          ['key', k.key],
          ['id', k.id],
          ['name', k.name],
          ['scopes', k.scopes.join(', ')],
          ['expires', k.expiresAt ?? 'never'],
        ]),
      );
    });

  keys
    .command('list')
    .description('every key (never the secret), newest first')
    .action(async (_opts, cmd: Command) => {
      const { client, out } = commandContext(cmd);
      // The API answers every key at once: one page, with no cursor.
      const items = await client.admin.apiKeys.list.query();
      out.list(
        { items, nextCursor: null },
        {
          columns: [
            { header: 'id', fixed: true },
            'name',
            { header: 'starts with', fixed: true },
            'owner',
            ...['created', 'last used', 'expires', 'revoked'].map((header) => ({ header, fixed: true })),
          ],
          row: (k) => [
            k.id,
            k.name,
            `${k.start}…`,
            k.owner.username ?? k.owner.email,
            when(k.createdAt),
            when(k.lastUsedAt),
            when(k.expiresAt),
            when(k.revokedAt),
          ],
          empty: 'no API keys',
        },
      );
    });

  keys
    .command('revoke')
    .argument('<id>', 'the key id (16 hex characters, from keys list)')
    .description('revoke a key: refused from the next request on')
    .option('-y, --yes', 'revoke without asking')
    .action(async (id: string, opts: { yes?: boolean }, cmd: Command) => {
      const { ApiKeyId } = await schemas();
      if (!ApiKeyId.safeParse(id).success)
        throw new UsageError(`"${id}" is not a key id (16 hex characters)`);
      const { client, out } = commandContext(cmd);
      await confirm(opts, `revoke key ${id}`, `Revoke API key ${id}? Requests with it fail from then on.`);
      const revoked = await client.admin.apiKeys.revoke.mutate({ id });
      out.result(revoked, (k) => `revoked ${k.id} (${k.name}) at ${k.revokedAt?.toISOString()}`);
    });
}
