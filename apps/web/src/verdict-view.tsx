import type { Verdict, VerdictStatus } from '@skillbytes/shared';

export const VERDICT_LABELS: Record<VerdictStatus, string> = {
  accepted: 'Accepted',
  wrong_answer: 'Wrong answer',
  runtime_error: 'Runtime error',
  time_limit_exceeded: 'Time limit exceeded',
  memory_limit_exceeded: 'Memory limit exceeded',
  compile_error: 'Compile error',
  missing_function: 'Missing function',
};

const show = (value: unknown) => (value === undefined ? 'undefined' : JSON.stringify(value));

/** A judged run or submit: the status, the visible tests, and the first failure as far as we may tell it. */
export function VerdictView({ verdict, mode }: { verdict: Verdict; mode: 'run' | 'submit' }) {
  const failure = verdict.firstFailure;
  return (
    <section
      className={`verdict ${verdict.status === 'accepted' ? 'ok' : 'bad'}`}
      aria-label={mode === 'run' ? 'Run result' : 'Submission result'}
    >
      <h3>
        {mode === 'run' ? 'Run: ' : 'Verdict: '}
        <span data-testid="verdict-status">{VERDICT_LABELS[verdict.status]}</span>
      </h3>
      <p>
        Visible tests: {verdict.passed} / {verdict.total} passed
        {verdict.hidden && verdict.hidden !== 'not_run' && <> · hidden tests {verdict.hidden}</>}
        {verdict.durationMs !== undefined && <> · {Math.round(verdict.durationMs)} ms</>}
      </p>
      {verdict.message && <p>{verdict.message}</p>}
      {failure && (
        <dl className="failure">
          <dt>First failure</dt>
          <dd>
            {failure.kind === 'visible' ? `visible test ${(failure.index ?? 0) + 1}` : 'a hidden test'}
            {failure.step !== undefined && `, step ${failure.step + 1}`}
          </dd>
          {failure.input !== undefined && (
            <>
              <dt>Input</dt>
              <dd>
                <code>{show(failure.input)}</code>
              </dd>
            </>
          )}
          {failure.expected !== undefined && (
            <>
              <dt>Expected</dt>
              <dd>
                <code>{show(failure.expected)}</code>
              </dd>
            </>
          )}
          {'actual' in failure && (
            <>
              <dt>Got</dt>
              <dd>
                <code>{show(failure.actual)}</code>
              </dd>
            </>
          )}
          {failure.error && (
            <>
              <dt>Error</dt>
              <dd>
                <code>
                  {failure.error.name}: {failure.error.message}
                </code>
              </dd>
            </>
          )}
        </dl>
      )}
      {verdict.logs && (
        <details>
          <summary>Console output</summary>
          <pre>{verdict.logs}</pre>
        </details>
      )}
    </section>
  );
}
