import type { SendMessageInput } from '@skillbytes/shared';
import type { Command } from 'commander';
import { confirm } from '../confirm.ts';
import { commandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { schemas } from '../schemas.ts';
import { keyValues } from '../output.ts';

type SendOptions = {
  content?: string;
  icon?: string;
  color?: string;
  everyone?: boolean;
  user?: string;
  yes?: boolean;
};

/** The `inbox.send` input the flags describe, checked with the shared schema before anything is sent. */
async function sendInput(opts: SendOptions): Promise<SendMessageInput> {
  const { IdInput, SendMessageInput } = await schemas();
  if (Boolean(opts.everyone) === Boolean(opts.user)) {
    throw new UsageError('choose the audience: either --everyone or --user USERNAME');
  }
  const user = opts.user?.trim() ?? '';
  const to = opts.everyone
    ? { everyone: true as const }
    : IdInput.safeParse({ id: user }).success
      ? { userId: user }
      : { username: user };
  const input = { content: opts.content ?? '', icon: opts.icon, bannerColor: opts.color, to };
  const parsed = SendMessageInput.safeParse(input);
  if (!parsed.success) {
    const flag: Record<string, string> = {
      content: '--content',
      icon: '--icon',
      bannerColor: '--color',
      to: '--user',
    };
    const problems = parsed.error.issues.map(
      (i) => `  ${flag[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`,
    );
    throw new UsageError(`invalid message:\n${problems.join('\n')}`);
  }
  return input;
}

export function registerMessages(program: Command) {
  const messages = program.command('messages').description("admin messages shown in users' inboxes");

  messages
    .command('send')
    .description('send a message to everyone (every account that exists now) or to one user')
    .requiredOption('--content <text>', 'the message')
    .option('--icon <icon>', 'icon shown with it (default 📢)')
    .option('--color <hex>', 'banner colour like #2821fc (the default)')
    .option('--everyone', 'send to every account')
    .option('--user <username>', 'send to this user (a username or a user id)')
    .option('-y, --yes', 'send to everyone without asking')
    .action(async (opts: SendOptions, cmd: Command) => {
      const input = await sendInput(opts);
      const { client, out } = commandContext(cmd);
      if (opts.everyone) {
        await confirm(opts, 'send to everyone', 'Send this message to every account?');
      }
      const sent = await client.inbox.send.mutate(input);
      out.result(sent, (m) =>
        keyValues([
          ['sent', m.id],
          [
            'to',
            m.recipientId
              ? `user ${'username' in input.to ? `${input.to.username} ` : ''}(${m.recipientId})`
              : 'everyone',
          ],
          ['icon', m.icon],
          ['colour', m.bannerColor],
          ['at', m.createdAt],
        ]),
      );
    });
}
