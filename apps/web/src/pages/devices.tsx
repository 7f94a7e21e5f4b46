import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../api.ts';
import { appCodeOf, errorMessage } from '../errors.ts';
import { formatDateTime } from '../format.ts';
import { useReauthRetry } from '../reauth.tsx';
import { TwoStepSettings } from '../two-step.tsx';

/** Signed-in devices: one per session, with a way to sign any of them out; and two-step sign-in. */
export function Devices({ mfaEnabled }: { mfaEnabled: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.auth.sessions.list.queryOptions());
  const afterRevoke = () => queryClient.invalidateQueries();
  const revoke = useMutation(trpc.auth.sessions.revoke.mutationOptions({ onSuccess: afterRevoke }));
  const stepUp = useReauthRetry();
  const revokeOthers = useMutation(
    trpc.auth.sessions.revokeOthers.mutationOptions({
      onSuccess: afterRevoke,
      onError: (error) => stepUp.guard(error, () => revokeOthers.mutate()),
    }),
  );
  // Asked for the password instead: not an error to show.
  const revokeOthersError = appCodeOf(revokeOthers.error) === 'REAUTH_REQUIRED' ? null : revokeOthers.error;
  const others = sessions.data?.filter((s) => !s.current).length ?? 0;

  return (
    <main>
      <h1>Signed-in devices</h1>
      {sessions.isPending && <p>Loading…</p>}
      {(sessions.isError || revoke.isError || revokeOthersError) && (
        <p role="alert" className="error">
          {errorMessage(sessions.error ?? revoke.error ?? revokeOthersError)}
        </p>
      )}
      {sessions.data && (
        <table aria-label="Devices">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Network</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.map((s) => (
              <tr key={s.id}>
                <td>
                  {describeAgent(s.userAgent)}
                  {s.current && <strong> (this device)</strong>}
                </td>
                <td>{s.ip ?? 'unknown'}</td>
                <td>{formatDateTime(s.createdAt)}</td>
                <td>{formatDateTime(s.lastUsedAt)}</td>
                <td>
                  <button
                    type="button"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate({ id: s.id })}
                  >
                    {s.current ? 'Sign out' : 'Sign out device'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {others > 0 && (
        <p>
          <button type="button" disabled={revokeOthers.isPending} onClick={() => revokeOthers.mutate()}>
            Sign out every other device
          </button>
        </p>
      )}
      {stepUp.prompt}
      <TwoStepSettings enabled={mfaEnabled} />
    </main>
  );
}

/** A short name for a user agent string ("Chrome on Linux"), or the string itself. */
function describeAgent(agent: string | null): string {
  if (!agent) return 'Unknown device';
  const browser = /Firefox\//.test(agent)
    ? 'Firefox'
    : /Edg\//.test(agent)
      ? 'Edge'
      : /Chrom(e|ium)\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : undefined;
  const system = /Windows/.test(agent)
    ? 'Windows'
    : /Mac OS X/.test(agent)
      ? 'macOS'
      : /Android/.test(agent)
        ? 'Android'
        : /iPhone|iPad/.test(agent)
          ? 'iOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : undefined;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? agent.slice(0, 60);
}
