import { createInterface } from 'node:readline';
import { UsageError } from './errors.ts';

/**
 * Asks before a destructive action. `--yes` answers for the user; otherwise a terminal is asked y/N
 * on stderr (anything but y or yes cancels), and without a terminal to ask on the action is refused:
 * a script must say --yes. Cancelling and refusing are usage errors (exit 2).
 */
export async function confirm(opts: { yes?: boolean }, action: string, question: string): Promise<void> {
  if (opts.yes) return;
  if (!process.stdin.isTTY) {
    throw new UsageError(`${action} needs confirmation and stdin is not a terminal: pass --yes`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => {
    rl.on('close', () => resolve('')); // Ctrl-D
    rl.question(`${question} [y/N] `, resolve);
  });
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError(`cancelled: did not ${action}`);
}
