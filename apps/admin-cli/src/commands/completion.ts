import { Argument, type Command } from 'commander';
import { bashScript } from '../completion/bash.ts';
import { fishScript } from '../completion/fish.ts';
import { commandTree } from '../completion/tree.ts';
import { zshScript } from '../completion/zsh.ts';

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript };

export function registerCompletion(program: Command) {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish (see --help for how to load it)')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SCRIPTS)))
    .addHelpText(
      'after',
      `
Load it in the running shell, or install it for every new one:
  bash  source <(skillbytes-admin completion bash)       # or in ~/.bashrc
  zsh   source <(skillbytes-admin completion zsh)        # after compinit; or save as _skillbytes-admin in $fpath
  fish  skillbytes-admin completion fish | source        # or save in ~/.config/fish/completions/skillbytes-admin.fish`,
    )
    .action((shell: keyof typeof SCRIPTS) => {
      process.stdout.write(SCRIPTS[shell](program.name(), commandTree(program)));
    });
}
