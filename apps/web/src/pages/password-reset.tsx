import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { announceSessionChange, useTRPC } from '../api.ts';
import { appCodeOf, errorMessage } from '../errors.ts';
import { Link } from '../router.tsx';

/** "Forgot your password?": asks for the email and mails a link; the same answer whether or not it has an account. */
export function ForgotPassword() {
  const trpc = useTRPC();
  const [email, setEmail] = useState('');
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());
  const submit = (event: FormEvent) => {
    event.preventDefault();
    request.mutate({ email });
  };
  const code = request.isError ? appCodeOf(request.error) : undefined;

  return (
    <main className="narrow">
      <h1>Skill Bytes</h1>
      <h2>Forgot your password?</h2>
      {request.isSuccess ? (
        <p role="status">
          If an account has the address {email}, a link to choose a new password is on its way. It works once,
          for 30 minutes. No mail? Check the spam folder, or ask again in a while.
        </p>
      ) : code === 'MAIL_NOT_CONFIGURED' ? (
        <p role="alert" className="error">
          This server sends no mail. Ask an admin for a password reset link.
        </p>
      ) : (
        <form onSubmit={submit} className="stack">
          <p>Enter the email of your account and we will mail you a link to choose a new password.</p>
          <label>
            Email
            <input
              name="email"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              required
            />
          </label>
          <button type="submit" disabled={request.isPending}>
            Send the link
          </button>
          {request.isError && (
            <p role="alert" className="error">
              {errorMessage(request.error)}
            </p>
          )}
        </form>
      )}
      <p>
        <Link href="/signin">Back to sign in</Link>
      </p>
    </main>
  );
}

/** The token of a reset link: `/reset-password#token=…` (in the fragment, so no server or Referer sees it). */
function tokenFromFragment(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

/** Where a reset link lands: the new password twice, then sign in with it (every device was signed out). */
export function ResetPassword() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [token] = useState(tokenFromFragment);
  // Read once, then out of the address bar and the history: the link stays in the mail only.
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const reset = useMutation(
    trpc.auth.resetPassword.mutationOptions({
      onSuccess: async () => {
        // This browser's session, if it was this account's, ended with the others.
        await queryClient.invalidateQueries();
        announceSessionChange();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMismatch(password !== again);
    if (password === again) reset.mutate({ token, newPassword: password });
  };
  const isDeadLink = reset.isError && appCodeOf(reset.error) === 'RESET_TOKEN_INVALID';

  return (
    <main className="narrow">
      <h1>Skill Bytes</h1>
      <h2>Choose a new password</h2>
      {reset.isSuccess ? (
        <>
          <p role="status">Your password is changed, and every device was signed out.</p>
          <p>
            <Link href="/signin">Sign in with your new password</Link>
          </p>
        </>
      ) : !token || isDeadLink ? (
        <>
          <p role="alert" className="error">
            {isDeadLink
              ? errorMessage(reset.error)
              : 'This page needs the link from your reset mail (or from an admin); open that link again.'}
          </p>
          <p>
            <Link href="/forgot-password">Ask for a new link</Link> or <Link href="/signin">sign in</Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit} className="stack">
          <label>
            New password
            <input
              name="new-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              minLength={8}
              required
            />
          </label>
          <label>
            The same again
            <input
              name="new-password-again"
              type="password"
              autoComplete="new-password"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
              required
            />
          </label>
          <button type="submit" disabled={reset.isPending}>
            Set the password
          </button>
          {mismatch && (
            <p role="alert" className="error">
              The two passwords differ: type the same one twice.
            </p>
          )}
          {reset.isError && !mismatch && (
            <p role="alert" className="error">
              {errorMessage(reset.error)}
            </p>
          )}
        </form>
      )}
    </main>
  );
}
