import { ApiKeyId } from '@skillbytes/shared';
import type { Command } from 'commander';
import { commandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { keyValues, table } from '../output.ts';

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
      const list = await client.admin.apiKeys.list.query();
      out.result(list, (ks) =>
        table(
          ['id', 'name', 'starts with', 'owner', 'created', 'last used', 'expires', 'revoked'],
          ks.map((k) => [
            k.id,
            k.name,
            `${k.start}…`,
            k.owner.username ?? k.owner.email,
            when(k.createdAt),
            when(k.lastUsedAt),
            when(k.expiresAt),
            when(k.revokedAt),
          ]),
        ),
      );
    });

  keys
    .command('revoke')
    .argument('<id>', 'the key id (16 hex characters, from keys list)')
    .description('revoke a key: refused from the next request on')
    .action(async (id: string, _opts, cmd: Command) => {
      if (!ApiKeyId.safeParse(id).success)
        throw new UsageError(`"${id}" is not a key id (16 hex characters)`);
      const { client, out } = commandContext(cmd);
      const revoked = await client.admin.apiKeys.revoke.mutate({ id });
      out.result(revoked, (k) => `revoked ${k.id} (${k.name}) at ${k.revokedAt?.toISOString()}`);
    });
}
