import type { Command } from 'commander';
import { type AdminClient, createAdminClient } from './client.ts';
import { createOutput, type Output } from './output.ts';
import { loadSession } from './session-store.ts';

type GlobalOptions = { url: string; apiKey?: string; json?: boolean };

export type CommandContext = { client: AdminClient; out: Output; url: string; options: GlobalOptions };

/** Builds what a command needs from the global options (which may appear before or after the command). */
export function commandContext(cmd: Command): CommandContext {
  const options = cmd.optsWithGlobals<GlobalOptions>();
  const url = options.url;
  const client = createAdminClient(url, () => options.apiKey || loadSession(url)?.accessToken);
  return { client, out: createOutput(Boolean(options.json)), url, options };
}
