import type { RouterOutputs } from '@skillbytes/api';
import type { Command } from 'commander';
import { commandContext } from '../context.ts';
import { keyValues, table } from '../output.ts';

type Stats = RouterOutputs['admin']['stats'];

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

function statsText(s: Stats): string {
  const totals = keyValues([
    ['users', s.users.total],
    ['admins', s.users.admins],
    [`new today (${s.day} UTC)`, s.users.newToday],
    ['active today', s.activeToday],
    ['submissions', s.submissions.total],
    ['submissions today', s.submissions.today],
    ['acceptance rate', percent(s.acceptanceRate)],
    ['completions', s.completions],
    ['streak freezes used', s.freezesUsed],
    ['leagues', `${s.groups.total} (${s.groups.members} memberships)`],
    ['hints opened', `${s.hintsUsed.total} (${s.hintsUsed.today} today)`],
  ]);
  const top =
    s.topChallenges.length === 0
      ? 'no completed challenges yet'
      : table(
          [{ header: 'challenge', fixed: true }, 'title', 'completions', 'submissions', 'acceptance'],
          s.topChallenges.map((c) => [
            c.slug,
            c.title,
            c.completions,
            c.submissions,
            percent(c.acceptanceRate),
          ]),
        );
  return `${totals}\n\ntop challenges\n${top}`;
}

export function registerStats(program: Command) {
  program
    .command('stats')
    .description('users, active today, submissions, acceptance rate, freezes, leagues, hints, top challenges')
    .action(async (_opts, cmd: Command) => {
      const { client, out } = commandContext(cmd);
      out.result(await client.admin.stats.query(), statsText);
    });
}
