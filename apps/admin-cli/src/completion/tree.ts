import type { Command } from 'commander';

/** An option as a shell completes it. */
export type OptionSpec = {
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  choices?: string[];
};

/** A command as a shell completes it: its subcommands, its options (the global ones included), its arguments. */
export type CommandSpec = {
  /** The words that lead to it after the program name (`['users', 'list']`); `[]` for the program. */
  path: string[];
  description: string;
  subcommands: CommandSpec[];
  options: OptionSpec[];
  /** Words an argument takes (the choices of its first argument with choices), if any. */
  argumentChoices?: string[];
  /** Whether its arguments are files or directories (`<file>`, `<paths...>`). */
  takesFiles: boolean;
};

/**
 * The program's command tree as its --help shows it (commander's own Help: visible commands, with the
 * implicit `help` command, and visible options), so completion scripts cannot drift from the program.
 * The program's own options apply at every level: they are accepted before or after a command.
 */
export function commandTree(program: Command): CommandSpec {
  const globals = program.options.filter((o) => !o.hidden && o.long !== '--version').map(optionSpec);
  const walk = (cmd: Command, path: string[]): CommandSpec => {
    const help = cmd.createHelp();
    const own = help.visibleOptions(cmd).map(optionSpec);
    const isProgram = path.length === 0;
    const args = cmd.registeredArguments;
    return {
      path,
      description: help.commandDescription(cmd),
      subcommands: help.visibleCommands(cmd).map((sub) => walk(sub, [...path, sub.name()])),
      options: isProgram ? own : [...own, ...globals.filter((g) => !own.some((o) => o.long === g.long))],
      argumentChoices: args.find((a) => a.argChoices)?.argChoices,
      takesFiles: args.some((a) => /file|path/i.test(a.name())),
    };
  };
  return walk(program, []);
}

function optionSpec(o: Command['options'][number]): OptionSpec {
  return {
    long: o.long,
    short: o.short,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
  };
}

/** Every command of the tree, the program first, parents before their subcommands. */
export function allCommands(root: CommandSpec): CommandSpec[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** The option's flags as typed: `-y`, `--yes`. */
export function flagsOf(o: OptionSpec): string[] {
  return [o.short, o.long].filter((f): f is string => Boolean(f));
}
