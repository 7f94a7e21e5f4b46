import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { registerAuth } from './commands/auth.ts';
import { registerChallenges } from './commands/challenges.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerHealth } from './commands/health.ts';
import { registerKeys } from './commands/keys.ts';
import { registerMessages } from './commands/messages.ts';
import { registerStats } from './commands/stats.ts';
import { registerUsers } from './commands/users.ts';
import { EXIT, reportError } from './errors.ts';
import { DEFAULT_URL, parseServerUrl } from './server-url.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function buildProgram() {
  const program = new Command('skillbytes-admin')
    .description('Administer a Skill Bytes server')
    .version(version, '-v, --version')
    .addOption(
      new Option('--url <url>', 'server URL (http or https)').env('SKILLBYTES_URL').default(DEFAULT_URL),
    )
    .addOption(
      new Option('--api-key <key>', 'admin API key (else the session saved by login)').env(
        'SKILLBYTES_API_KEY',
      ),
    )
    .option('--json', 'print machine-readable JSON')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .exitOverride();
  // The URL is checked before any command runs, so a bad one never reaches the network.
  program.hook('preAction', () => {
    const source = program.getOptionValueSource('url');
    const given = program.opts<{ url: string }>().url;
    // An empty SKILLBYTES_URL counts as unset.
    const url =
      source === 'env' && given === ''
        ? DEFAULT_URL
        : parseServerUrl(given, source === 'env' ? 'SKILLBYTES_URL' : '--url');
    program.setOptionValueWithSource('url', url, source);
  });
  registerHealth(program);
  registerAuth(program);
  registerUsers(program);
  registerKeys(program);
  registerChallenges(program);
  registerMessages(program);
  registerStats(program);
  registerCompletion(program);
  return program;
}

async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    const options = program.opts<{ json?: boolean; url: string; apiKey?: string }>();
    return reportError(error, { ...options, isDefaultUrl: options.url === DEFAULT_URL });
  }
}

process.exitCode = await run(process.argv.slice(2));
