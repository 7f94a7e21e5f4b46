import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { announceSessionChange, useTRPC } from '../api.ts';
import { errorMessage } from '../errors.ts';
import { Link, navigate } from '../router.tsx';

/** Sign in and sign up: one form each, the server's message when it refuses. */
export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signedIn = async () => {
    await queryClient.invalidateQueries();
    announceSessionChange();
    navigate('/', { replace: true });
  };
  const login = useMutation(trpc.auth.login.mutationOptions({ onSuccess: signedIn }));
  const signup = useMutation(trpc.auth.signup.mutationOptions({ onSuccess: signedIn }));
  const active = mode === 'signup' ? signup : login;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mode === 'signup') signup.mutate({ email, password });
    else login.mutate({ identifier: email, password });
  };

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
