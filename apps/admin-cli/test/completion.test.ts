import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.ts';

const has = (shell: string) => spawnSync(shell, ['--version']).status === 0;
const dir = mkdtempSync(path.join(tmpdir(), 'sb-cli-completion-'));
const scripts: Record<string, string> = {};

/** The subcommands `--help` lists under "Commands:" (what the program really has). */
async function commandsOf(args: string[]): Promise<string[]> {
  const help = (await runCli([...args, '--help'])).stdout;
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
}

beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runCli(['completion', shell]);
    expect(r.code, r.stderr).toBe(0);
    scripts[shell] = path.join(dir, `completion.${shell}`);
    writeFileSync(scripts[shell], r.stdout);
  }
});

describe('skillbytes-admin completion', () => {
  it('refuses a shell it has no script for (exit 2)', async () => {
    const r = await runCli(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bash, zsh, fish');
  });

  it('bash: the script parses, and completes the real commands, options and choices', async () => {
    execFileSync('bash', ['-n', scripts.bash!]);
    /** What the completion function offers for the words typed so far (the last one being completed). */
    const complete = (...words: string[]) => {
      const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _skillbytes_admin; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const out = execFileSync('bash', ['-c', script, 'bash', scripts.bash!, 'skillbytes-admin', ...words], {
        encoding: 'utf8',
      });
      return out.split('\n').filter(Boolean);
    };
    const top = await commandsOf([]);
    expect(top).toEqual(expect.arrayContaining(['users', 'keys', 'challenges', 'messages', 'completion']));
    expect(complete('')).toEqual(top);
    expect(complete('us')).toEqual(['users']);
    expect(complete('users', '')).toEqual(await commandsOf(['users']));
    // The value after a global option is skipped on the way to the command.
    expect(complete('--url', 'http://127.0.0.1:3000', 'keys', '')).toEqual(await commandsOf(['keys']));
    expect(complete('keys', 'revoke', '--')).toEqual(['--yes', '--help', '--url', '--api-key', '--json']);
    expect(complete('challenges', 'list', '--status', '')).toEqual(['draft', 'published', 'archived']);
    expect(complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it.skipIf(!has('zsh'))('zsh: the script parses and registers its function for skillbytes-admin', () => {
    execFileSync('zsh', ['-n', scripts.zsh!]);
    const out = execFileSync(
      'zsh',
      [
        '-fc',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh parameter expansion, not a template
        'autoload -Uz compinit && compinit -u -D && source "$1" && print -r -- $_comps[skillbytes-admin] && print -rl -- ${(ok)functions[(I)_skillbytes_admin__users__*]}',
        'zsh',
        scripts.zsh!,
      ],
      { encoding: 'utf8' },
    );
    const [registered, ...functions] = out.trim().split('\n');
    expect(registered).toBe('_skillbytes_admin');
    expect(functions).toContain('_skillbytes_admin__users__revoke_sessions');
  });

  it.skipIf(!has('fish'))(
    'fish: the script parses, and completes the real commands and options',
    async () => {
      execFileSync('fish', ['-n', scripts.fish!]);
      const complete = (line: string) =>
        execFileSync('fish', ['-c', `source $argv[1]; complete -C $argv[2]`, scripts.fish!, line], {
          encoding: 'utf8',
        })
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t')[0]!);
      expect(complete('skillbytes-admin ').sort()).toEqual((await commandsOf([])).sort());
      expect(complete('skillbytes-admin challenges ').sort()).toEqual(
        (await commandsOf(['challenges'])).sort(),
      );
      expect(complete('skillbytes-admin users demote --y')).toEqual(['--yes']);
      expect(complete('skillbytes-admin challenges list --status ').sort()).toEqual([
        'archived',
        'draft',
        'published',
      ]);
    },
  );
});
