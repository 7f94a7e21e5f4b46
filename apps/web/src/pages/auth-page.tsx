import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { announceSessionChange, useTRPC } from '../api.ts';
import { errorMessage } from '../errors.ts';
import { Link, navigate } from '../router.tsx';

/**
 * Sign in and sign up: one form each, the server's message when it refuses. An account with an
 * authenticator app gets a second step after the password: its code, or one of its recovery codes.
 */
export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const signedIn = async () => {
    await queryClient.invalidateQueries();
    announceSessionChange();
    navigate('/', { replace: true });
  };
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: async (answer) => {
        if ('mfaRequired' in answer) setMfaToken(answer.mfaToken);
        else await signedIn();
      },
    }),
  );
  const signup = useMutation(trpc.auth.signup.mutationOptions({ onSuccess: signedIn }));
  const active = mode === 'signup' ? signup : login;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mode === 'signup') signup.mutate({ email, password });
    else login.mutate({ identifier: email, password });
  };

  if (mode === 'signin' && mfaToken) {
    return (
      <main className="narrow">
        <h1>Skill Bytes</h1>
        <SecondFactor
          mfaToken={mfaToken}
          onSignedIn={signedIn}
          onRestart={() => {
            setMfaToken(null);
            setPassword('');
            login.reset();
          }}
        />
      </main>
    );
  }

  return (
    <main className="narrow">
      <h1>Skill Bytes</h1>
      <p>One coding challenge a day keeps your skills sharp.</p>
      <h2>{mode === 'signup' ? 'Create an account' : 'Sign in'}</h2>
      <form onSubmit={submit} className="stack">
        <label>
          {mode === 'signup' ? 'Email' : 'Email or username'}
          <input
            name="email"
            type={mode === 'signup' ? 'email' : 'text'}
            autoComplete={mode === 'signup' ? 'email' : 'username'}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={active.isPending}>
          {mode === 'signup' ? 'Sign up' : 'Sign in'}
        </button>
        {active.isError && (
          <p role="alert" className="error">
            {errorMessage(active.error)}
          </p>
        )}
      </form>
      {mode === 'signin' && (
        <p>
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
      )}
      <p>
        {mode === 'signup' ? (
          <>
            Have an account? <Link href="/signin">Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href="/signup">Create an account</Link>
          </>
        )}
      </p>
    </main>
  );
}

/** The code step of a sign-in: the authenticator app's 6 digits, or a recovery code instead. */
function SecondFactor({
  mfaToken,
  onSignedIn,
  onRestart,
}: {
  mfaToken: string;
  onSignedIn: () => Promise<void>;
  onRestart: () => void;
}) {
  const trpc = useTRPC();
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState('');
  const verify = useMutation(trpc.auth.mfa.verify.mutationOptions({ onSuccess: onSignedIn }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate(useRecovery ? { mfaToken, recoveryCode: code } : { mfaToken, code });
  };
  const tokenDead = verify.error?.data?.appCode === 'MFA_TOKEN_INVALID';
  return (
    <>
      <h2>Two-step verification</h2>
      <form onSubmit={submit} className="stack">
        <label>
          {useRecovery ? 'Recovery code' : 'Code from your authenticator app'}
          <input
            name={useRecovery ? 'recovery-code' : 'code'}
            inputMode={useRecovery ? 'text' : 'numeric'}
            autoComplete="one-time-code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={verify.isPending || tokenDead}>
          Verify
        </button>
        {verify.isError && (
          <p role="alert" className="error">
            {errorMessage(verify.error)}
          </p>
        )}
      </form>
      <p>
        <button
          type="button"
          className="link"
          onClick={() => {
            setUseRecovery(!useRecovery);
            setCode('');
            verify.reset();
          }}
        >
          {useRecovery ? 'Use the authenticator app instead' : 'Use a recovery code'}
        </button>{' '}
        <button type="button" className="link" onClick={onRestart}>
          Start over
        </button>
      </p>
    </>
  );
}
