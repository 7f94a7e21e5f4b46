import { useMutation } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTRPC } from './api.ts';
import { appCodeOf, errorMessage } from './errors.ts';

/**
 * Sensitive changes answer REAUTH_REQUIRED when this session last proved itself too long ago. `guard`
 * takes such an error and the call to retry: it asks for the password, calls `auth.reauthenticate`,
 * then retries once. Any other error is left to the page (`guard` answers false).
 */
export function useReauthRetry(): {
  guard: (error: unknown, retry: () => void) => boolean;
  prompt: ReactNode;
} {
  const [retry, setRetry] = useState<(() => void) | null>(null);
  const guard = (error: unknown, again: () => void) => {
    if (appCodeOf(error) !== 'REAUTH_REQUIRED') return false;
    setRetry(() => again);
    return true;
  };
  const prompt = retry ? (
    <ReauthForm
      onConfirmed={() => {
        setRetry(null);
        retry();
      }}
      onCancel={() => setRetry(null)}
    />
  ) : null;
  return { guard, prompt };
}

function ReauthForm({ onConfirmed, onCancel }: { onConfirmed: () => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const [password, setPassword] = useState('');
  const reauth = useMutation(trpc.auth.reauthenticate.mutationOptions({ onSuccess: onConfirmed }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    reauth.mutate({ password });
  };
  return (
    <form onSubmit={submit} className="stack" aria-label="Confirm it is you">
      <p>For your security, enter your password again to continue.</p>
      <CurrentPasswordField name="reauth-password" value={password} onChange={setPassword} />
      <p>
        <button type="submit" disabled={reauth.isPending}>
          Confirm
        </button>{' '}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
      {reauth.isError && (
        <p role="alert" className="error">
          {errorMessage(reauth.error)}
        </p>
      )}
    </form>
  );
}

/** The account's current password, as every confirmation of a sensitive change asks for it. */
export function CurrentPasswordField(props: { name: string; value: string; onChange: (v: string) => void }) {
  return (
    <label>
      Password
      <input
        name={props.name}
        type="password"
        autoComplete="current-password"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        required
      />
    </label>
  );
}
