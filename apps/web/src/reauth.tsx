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
      <label>
        Password
        <input
          name="reauth-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
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
