import type { Command } from 'commander';
import { type AdminClient, createAdminClient } from './client.ts';
import { NotSignedInError } from './errors.ts';
import { createOutput, type Output } from './output.ts';
import { loadSession } from './session-store.ts';

type GlobalOptions = { url: string; apiKey?: string; json?: boolean };

export type CommandContext = { client: AdminClient; out: Output; url: string; options: GlobalOptions };

/**
 * Builds what a command needs from the global options (which may appear before or after the command).
 * Unless `signIn` is false, a command with no API key and no saved session for the server stops here,
 * before any request, with NotSignedInError (exit 4 and a hint to log in).
 */
export function commandContext(cmd: Command, { signIn = true } = {}): CommandContext {
  const options = cmd.optsWithGlobals<GlobalOptions>();
  const url = options.url;
  // An empty SKILLBYTES_API_KEY counts as unset.
  const token = () => options.apiKey || loadSession(url)?.accessToken;
  if (signIn && !token()) throw new NotSignedInError(`not signed in to ${url}`);
  const client = createAdminClient(url, token);
  return { client, out: createOutput(Boolean(options.json)), url, options };
}
