import type { LeaderboardWindow } from '@skillbytes/shared';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTRPC } from './api.ts';
import { errorMessage } from './errors.ts';

const WINDOWS: { value: LeaderboardWindow; label: string }[] = [
  { value: 'all', label: 'All time' },
  { value: 'week', label: 'This week' },
  { value: 'month', label: 'This month' },
];

const labelOf = (window: LeaderboardWindow) => WINDOWS.find((w) => w.value === window)?.label ?? window;

/** Said when the caller is not ranked: only the period boards leave a user without points unranked. */
const NO_POINTS: Record<LeaderboardWindow, string> = { all: 'yet', week: 'this week', month: 'this month' };

/** The period switch of a board: all time, this month, this week. */
export function WindowTabs({
  value,
  onChange,
}: {
  value: LeaderboardWindow;
  onChange: (w: LeaderboardWindow) => void;
}) {
  return (
    <div role="tablist" aria-label="Period" className="tabs">
      {WINDOWS.map((w) => (
        <button
          key={w.value}
          type="button"
          role="tab"
          aria-selected={value === w.value}
          onClick={() => onChange(w.value)}
        >
          {w.label}
        </button>
      ))}
    </div>
  );
}

type Entry = { rank: number; userId: string; username: string; points: number };

/**
 * A board (`leaderboard.top`) and the caller's place on it (`leaderboard.me`): the global one, or a
 * league's when `groupId` is given. `action` adds a last column (the league owner's Remove buttons).
 */
export function Board({
  window,
  myUserId,
  groupId,
  caption,
  action,
}: {
  window: LeaderboardWindow;
  myUserId: string;
  groupId?: string;
  caption: string;
  action?: { header: string; cell: (entry: Entry) => ReactNode };
}) {
  const trpc = useTRPC();
  const scope = groupId ? { groupId } : {};
  const top = useQuery(trpc.leaderboard.top.queryOptions({ window, limit: 20, ...scope }));
  const me = useQuery(trpc.leaderboard.me.queryOptions({ window, ...scope }));

  return (
    <>
      {me.data && (
        <p className="me" data-testid="my-rank">
          {me.data.rank === null
            ? `You have no points ${NO_POINTS[window]}.`
            : `You are #${me.data.rank} with ${me.data.points} points.`}
        </p>
      )}
      {top.isPending && <p>Loading…</p>}
      {(top.isError || me.isError) && (
        <p role="alert" className="error">
          {errorMessage(top.error ?? me.error)}
        </p>
      )}
      {top.data && top.data.items.length === 0 && <p>Nobody has points here yet.</p>}
      {top.data && top.data.items.length > 0 && (
        <table aria-label={`${caption}: ${labelOf(window)}`}>
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">User</th>
              <th scope="col">Points</th>
              {action && <th scope="col">{action.header}</th>}
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
                {action && <td>{action.cell(entry)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
