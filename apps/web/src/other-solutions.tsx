import { useTRPC, useTRPCClient } from './api.ts';
import { errorMessage } from './errors.ts';
import { formatDateTime } from './format.ts';
import { useCursorPages } from './paged.ts';

const LANGUAGE_LABELS: Record<string, string> = { javascript: 'JavaScript', typescript: 'TypeScript' };

/**
 * How others solved a challenge the user has solved (`challenges.solutions`, newest first, a page at a
 * time). Shown only once the user solved it: the API refuses anyone else (NOT_SOLVED_YET), and the
 * point is to compare after trying, not to copy before. Code is shown as text, never as HTML.
 */
export function OtherSolutions({ challengeId }: { challengeId: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const solutions = useCursorPages([...trpc.challenges.solutions.pathKey(), challengeId], (cursor) =>
    client.challenges.solutions.query({ challengeId, limit: 5, cursor }),
  );
  const { items } = solutions;

  return (
    <section aria-labelledby="other-solutions" className="solutions">
      <h2 id="other-solutions">Other solutions</h2>
      {solutions.isPending && <p>Loading…</p>}
      {solutions.isError && (
        <p role="alert" className="error">
          {errorMessage(solutions.error)}
        </p>
      )}
      {solutions.isSuccess && items.length === 0 && <p>Nobody else has shared a solution yet.</p>}
      {items.length > 0 && (
        <ol className="solution-list">
          {items.map((s) => (
            <li key={`${s.username}-${s.solvedAt.toISOString()}`}>
              <figure>
                <figcaption className="muted">
                  <strong>{s.username ?? 'Someone'}</strong> · {LANGUAGE_LABELS[s.language] ?? s.language} ·
                  solved {formatDateTime(s.solvedAt)}
                </figcaption>
                <pre>
                  <code>{s.code}</code>
                </pre>
              </figure>
            </li>
          ))}
        </ol>
      )}
      {solutions.hasNextPage && (
        <button
          type="button"
          onClick={() => solutions.fetchNextPage()}
          disabled={solutions.isFetchingNextPage}
        >
          More solutions
        </button>
      )}
    </section>
  );
}
