import { useQuery } from '@tanstack/react-query';
import { ActivityCalendar } from '../activity-calendar.tsx';
import { useTRPC, useTRPCClient } from '../api.ts';
import { errorMessage } from '../errors.ts';
import { formatDateTime, plural } from '../format.ts';
import { useCursorPages } from '../paged.ts';
import { VERDICT_LABELS } from '../verdict-view.tsx';

/** Points, streaks and freezes, the year's calendar, and every submission, newest first. */
export function History() {
  const trpc = useTRPC();
  const status = useQuery(trpc.challenges.status.queryOptions());
  // The last 365 local days (the API's default range), ending on the caller's today.
  const calendar = useQuery(trpc.challenges.calendar.queryOptions({}));
  const client = useTRPCClient();
  const submissions = useCursorPages(trpc.challenges.submissions.pathKey(), (cursor) =>
    client.challenges.submissions.query({ limit: 20, cursor }),
  );
  const { items } = submissions;

  return (
    <main>
      <h1>Your progress</h1>
      {status.data && (
        <dl className="stats" aria-label="Streak and points">
          <div>
            <dt>Current streak</dt>
            <dd data-testid="current-streak">{plural(status.data.currentStreak, 'day')}</dd>
          </div>
          <div>
            <dt>Best streak</dt>
            <dd>{plural(status.data.bestStreak, 'day')}</dd>
          </div>
          <div>
            <dt>Points</dt>
            <dd data-testid="points">{status.data.points}</dd>
          </div>
          <div>
            <dt>Solved</dt>
            <dd>{plural(status.data.completedIds.length, 'challenge')}</dd>
          </div>
          <div title="One is earned per 7 days solved in a row; a held freeze covers a missed day.">
            <dt>Streak freezes</dt>
            <dd data-testid="freezes">
              {status.data.freezes.held} of {status.data.freezes.max}
            </dd>
          </div>
        </dl>
      )}
      {calendar.isError && (
        <p role="alert" className="error">
          {errorMessage(calendar.error)}
        </p>
      )}
      {calendar.data && <ActivityCalendar days={calendar.data.days} />}
      <h2>Submissions</h2>
      {submissions.isPending && <p>Loading…</p>}
      {submissions.isError && (
        <p role="alert" className="error">
          {errorMessage(submissions.error)}
        </p>
      )}
      {submissions.isSuccess && items.length === 0 && (
        <p>No submissions yet: today's challenge is waiting.</p>
      )}
      {items.length > 0 && (
        <table aria-label="Submissions">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Challenge</th>
              <th scope="col">Verdict</th>
              <th scope="col">Tests</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id}>
                <td>{formatDateTime(s.createdAt)}</td>
                <td>{s.challengeTitle}</td>
                <td className={s.status === 'accepted' ? 'ok' : 'bad'}>{VERDICT_LABELS[s.status]}</td>
                <td>
                  {s.passed} / {s.total}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {submissions.hasNextPage && (
        <button
          type="button"
          onClick={() => submissions.fetchNextPage()}
          disabled={submissions.isFetchingNextPage}
        >
          Load more
        </button>
      )}
    </main>
  );
}
