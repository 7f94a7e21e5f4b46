import type { TestCase } from '@skillbytes/shared';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTRPC } from '../api.ts';
import { sanitizeChallengeHtml } from '../challenge-html.ts';
import { CodeEditor } from '../editor.tsx';
import { appCodeOf, errorMessage } from '../errors.ts';
import { OtherSolutions } from '../other-solutions.tsx';
import { VerdictView } from '../verdict-view.tsx';

const draftKey = (challengeId: string) => `skillbytes:draft:${challengeId}`;

/** Today's challenge: the statement, the visible tests, an editor, Run and Submit. */
export function Today() {
  const trpc = useTRPC();
  const daily = useQuery(trpc.challenges.daily.queryOptions());
  if (daily.isPending) return <p>Loading today's challenge…</p>;
  if (daily.isError) {
    return (
      <p role="alert" className="error">
        {appCodeOf(daily.error) === 'NO_CHALLENGE_AVAILABLE'
          ? 'There is no challenge left for you today. Come back tomorrow!'
          : errorMessage(daily.error)}
      </p>
    );
  }
  return <ChallengeWorkspace key={daily.data.challenge.id} daily={daily.data} />;
}

type Daily = {
  day: string;
  completed: boolean;
  pointsAwarded: number | null;
  challenge: {
    id: string;
    title: string;
    description: string;
    difficulty: string;
    tags: string[];
    points: number;
    functionName: string;
    starterCode: string | null;
    hasHint: boolean;
    tests: TestCase[];
  };
};

/**
 * The hint stays behind a button: opening it is recorded (challenges.hint) and shown on the submission
 * history, so it is the user's choice, never part of the statement.
 */
function HintPanel({ challengeId }: { challengeId: string }) {
  const trpc = useTRPC();
  const hint = useMutation(trpc.challenges.hint.mutationOptions());
  if (hint.data) {
    return (
      <aside className="hint" aria-label="Hint">
        <p>{hint.data.hint}</p>
      </aside>
    );
  }
  return (
    <p>
      <button type="button" disabled={hint.isPending} onClick={() => hint.mutate({ challengeId })}>
        Show hint
      </button>
      {hint.error && (
        <span role="alert" className="error">
          {' '}
          {errorMessage(hint.error)}
        </span>
      )}
    </p>
  );
}

function ChallengeWorkspace({ daily }: { daily: Daily }) {
  const { challenge } = daily;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const initialCode = useMemo(
    () =>
      localStorage.getItem(draftKey(challenge.id)) ??
      challenge.starterCode ??
      `function ${challenge.functionName}() {\n\n}\n`,
    [challenge],
  );
  const [code, setCode] = useState(initialCode);
  const [isTypeScript, setIsTypeScript] = useState(false);
  const statement = useMemo(() => sanitizeChallengeHtml(challenge.description), [challenge.description]);

  const run = useMutation(trpc.challenges.run.mutationOptions());
  const submit = useMutation(
    trpc.challenges.submit.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.challenges.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.auth.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.leaderboard.pathKey() }),
        ]),
    }),
  );
  const edit = (next: string) => {
    setCode(next);
    localStorage.setItem(draftKey(challenge.id), next);
  };
  const busy = run.isPending || submit.isPending;
  const last = submit.data && (!run.data || submit.submittedAt >= run.submittedAt) ? 'submit' : 'run';

  return (
    <article className="challenge">
      <header>
        <p className="muted">Today · {daily.day}</p>
        <h1>{challenge.title}</h1>
        <p className="meta">
          <span className={`badge ${challenge.difficulty}`}>{challenge.difficulty}</span> {challenge.points}{' '}
          points
          {challenge.tags.length > 0 && <> · {challenge.tags.join(', ')}</>}
          {daily.completed && (
            <strong className="solved"> · Solved (+{daily.pointsAwarded ?? challenge.points})</strong>
          )}
        </p>
      </header>
      <div className="columns">
        <section aria-label="Statement">
          {/* Sanitised by an allowlist (challenge-html.ts): admin-written HTML, no scripts or styles. */}
          <div className="statement" dangerouslySetInnerHTML={{ __html: statement }} />
          {challenge.hasHint && <HintPanel challengeId={challenge.id} />}
          <h2>Examples</h2>
          <ul className="tests">
            {challenge.tests.map((test, i) => (
              <li key={i}>
                <TestLine test={test} functionName={challenge.functionName} />
              </li>
            ))}
          </ul>
        </section>
        <section aria-label="Solution">
          <div className="toolbar">
            <label>
              Language{' '}
              <select
                value={isTypeScript ? 'ts' : 'js'}
                onChange={(e) => setIsTypeScript(e.target.value === 'ts')}
              >
                <option value="js">JavaScript</option>
                <option value="ts">TypeScript</option>
              </select>
            </label>
            <button
              type="button"
              disabled={busy}
              onClick={() => run.mutate({ challengeId: challenge.id, code })}
            >
              {run.isPending ? 'Running…' : 'Run'}
            </button>
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => submit.mutate({ challengeId: challenge.id, code })}
            >
              {submit.isPending ? 'Judging…' : 'Submit'}
            </button>
          </div>
          <CodeEditor
            initialCode={initialCode}
            isTypeScript={isTypeScript}
            onChange={edit}
            label={`Solution: ${challenge.functionName}`}
          />
          {(run.isError || submit.isError) && (
            <p role="alert" className="error">
              {errorMessage(last === 'submit' ? submit.error : run.error)}
            </p>
          )}
          {last === 'run' && run.data && <VerdictView verdict={run.data.verdict} mode="run" />}
          {last === 'submit' && submit.data && (
            <>
              <VerdictView verdict={submit.data.verdict} mode="submit" />
              {submit.data.firstCompletion && (
                <p className="celebrate" role="status">
                  Solved! +{submit.data.awarded} points · streak {submit.data.streak.current} day
                  {submit.data.streak.current === 1 ? '' : 's'}
                </p>
              )}
            </>
          )}
        </section>
      </div>
      {daily.completed && <OtherSolutions challengeId={challenge.id} />}
    </article>
  );
}

function TestLine({ test, functionName }: { test: TestCase; functionName: string }) {
  if ('steps' in test) return <code>{test.steps.length} steps on one instance</code>;
  const args = (test.input ?? []).map((a) => JSON.stringify(a)).join(', ');
  const expected = test.expectedError
    ? `throws ${test.expectedError.name ?? 'an error'}`
    : `→ ${JSON.stringify(test.expectedOutput)}`;
  return (
    <code>
      {functionName}({args}) {expected}
    </code>
  );
}
