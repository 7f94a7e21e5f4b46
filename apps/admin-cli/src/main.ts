import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { registerAuth } from './commands/auth.ts';
import { registerChallenges } from './commands/challenges.ts';
import { registerHealth } from './commands/health.ts';
import { registerKeys } from './commands/keys.ts';
import { registerMessages } from './commands/messages.ts';
import { registerStats } from './commands/stats.ts';
import { registerUsers } from './commands/users.ts';
import { reportError } from './errors.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram() {
  const program = new Command('skillbytes-admin')
    .description('Administer a Skill Bytes server')
    .version(version, '-v, --version')
    .addOption(new Option('--url <url>', 'server URL').env('SKILLBYTES_URL').default('http://127.0.0.1:3000'))
    .addOption(
      new Option('--api-key <key>', 'admin API key (else the session saved by login)').env(
        'SKILLBYTES_API_KEY',
      ),
    )
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError()
    .exitOverride();
  registerHealth(program);
  registerAuth(program);
  registerUsers(program);
  registerKeys(program);
  registerChallenges(program);
  registerMessages(program);
  registerStats(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return 0;
      return 2;
    }
    return reportError(error, program.opts<{ json?: boolean; url: string }>());
  }
}

process.exitCode = await run(process.argv.slice(2));
