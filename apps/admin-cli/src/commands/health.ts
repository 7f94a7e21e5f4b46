import type { Command } from 'commander';
import { commandContext } from '../context.ts';

export function registerHealth(program: Command) {
  program
    .command('health')
    .description('check that the server answers (calls health.ping)')
    .action(async (_opts, cmd: Command) => {
      const { client, out, url } = commandContext(cmd, { signIn: false });
      const started = performance.now();
      const result = await client.health.ping.query();
      const ms = Math.round(performance.now() - started);
      out.result({ ...result, url, latencyMs: ms }, (r) => `${r.msg} from ${r.url} in ${r.latencyMs} ms`);
    });
}
