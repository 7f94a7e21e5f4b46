import type { LeaderboardWindow } from '@skillbytes/shared';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../api.ts';
import { errorMessage } from '../errors.ts';

const WINDOWS: { value: LeaderboardWindow; label: string }[] = [
  { value: 'all', label: 'All time' },
  { value: 'week', label: 'This week' },
  { value: 'month', label: 'This month' },
];

/** Said when the caller is not ranked: only the period boards leave a user without points unranked. */
const NO_POINTS: Record<LeaderboardWindow, string> = { all: 'yet', week: 'this week', month: 'this month' };

/** The top of the board for all time, this week or this month, and where the caller stands. */
export function Leaderboard({ myUserId }: { myUserId: string }) {
  const trpc = useTRPC();
  const [window, setWindow] = useState<LeaderboardWindow>('all');
  const top = useQuery(trpc.leaderboard.top.queryOptions({ window, limit: 20 }));
  const me = useQuery(trpc.leaderboard.me.queryOptions({ window }));

  return (
    <main>
      <h1>Leaderboard</h1>
      <div role="tablist" aria-label="Period" className="tabs">
        {WINDOWS.map((w) => (
          <button
            key={w.value}
            type="button"
            role="tab"
            aria-selected={window === w.value}
            onClick={() => setWindow(w.value)}
          >
            {w.label}
          </button>
        ))}
      </div>
      {me.data && (
        <p className="me" data-testid="my-rank">
          {me.data.rank === null
            ? `You have no points ${NO_POINTS[window]}.`
            : `You are #${me.data.rank} with ${me.data.points} points.`}
        </p>
      )}
      {top.isPending && <p>Loading…</p>}
      {top.isError && (
        <p role="alert" className="error">
          {errorMessage(top.error)}
        </p>
      )}
      {top.data && top.data.items.length === 0 && <p>Nobody has points here yet.</p>}
      {top.data && top.data.items.length > 0 && (
        <table aria-label={`Leaderboard: ${WINDOWS.find((w) => w.value === window)?.label}`}>
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">User</th>
              <th scope="col">Points</th>
            </tr>
          </thead>
          <tbody>
            {top.data.items.map((entry) => (
              <tr key={entry.userId} className={entry.userId === myUserId ? 'mine' : undefined}>
                <td>{entry.rank}</td>
                <td>
                  {entry.username}
                  {entry.userId === myUserId && ' (you)'}
                </td>
                <td>{entry.points}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
