import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTRPC } from './api.ts';
import { appCodeOf, errorMessage } from './errors.ts';
import { QrCode } from './qr-code.tsx';
import { CurrentPasswordField, useReauthRetry } from './reauth.tsx';

/**
 * Two-step sign-in (TOTP): turn it on (password, then the app's key, then a code from the app, then the
 * recovery codes, shown this once), or off (password and a code or a recovery code). The session's
 * profile is read again afterwards, so `mfaEnabled` and this section follow.
 */
export function TwoStepSettings({ enabled }: { enabled: boolean }) {
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  return (
    <section aria-labelledby="two-step-heading" className="stack">
      <h2 id="two-step-heading">Two-step sign-in</h2>
      {recoveryCodes ? (
        <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />
      ) : enabled ? (
        <TurnOff />
      ) : (
        <TurnOn onEnabled={setRecoveryCodes} />
      )}
    </section>
  );
}

function useRereadProfile() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.auth.session.queryKey() });
}

/** A 6-digit code field (the server drops spaces a user types between groups). */
function CodeField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <label>
      Code from your authenticator app
      <input
        name="totp-code"
        inputMode="numeric"
        autoComplete="one-time-code"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required
      />
    </label>
  );
}

function Failure({ error }: { error: unknown }) {
  // Asked for the password instead: not an error to show.
  if (!error || appCodeOf(error) === 'REAUTH_REQUIRED') return null;
  return (
    <p role="alert" className="error">
      {errorMessage(error)}
    </p>
  );
}

function TurnOn({ onEnabled }: { onEnabled: (codes: string[]) => void }) {
  const trpc = useTRPC();
  const reread = useRereadProfile();
  const stepUp = useReauthRetry();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const setup = useMutation(trpc.auth.mfa.setup.mutationOptions());
  const enable = useMutation(
    trpc.auth.mfa.enable.mutationOptions({
      onSuccess: ({ recoveryCodes }) => {
        onEnabled(recoveryCodes);
        void reread();
      },
      onError: (error) => stepUp.guard(error, () => enable.mutate({ code })),
    }),
  );

  if (!setup.data) {
    const start = (event: FormEvent) => {
      event.preventDefault();
      setup.mutate({ password });
    };
    return (
      <form onSubmit={start} className="stack" aria-label="Turn on two-step sign-in">
        <p>
          Off. With it on, signing in also asks for a code from an authenticator app on your phone, so a
          stolen password is not enough.
        </p>
        <CurrentPasswordField name="mfa-password" value={password} onChange={setPassword} />
        <p>
          <button type="submit" disabled={setup.isPending}>
            Turn on two-step sign-in
          </button>
        </p>
        <Failure error={setup.error} />
      </form>
    );
  }

  const confirm = (event: FormEvent) => {
    event.preventDefault();
    enable.mutate({ code });
  };
  return (
    <>
      <form onSubmit={confirm} className="stack" aria-label="Confirm your authenticator app">
        <p>
          Scan this code with your authenticator app (or{' '}
          <a href={setup.data.otpauthUri}>open it in the app</a> on this device, or type the key below), then
          enter the code it shows.
        </p>
        <QrCode text={setup.data.otpauthUri} label="QR code of the key for your authenticator app" />
        <p>
          Key: <code data-testid="mfa-secret">{setup.data.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
        </p>
        <CodeField value={code} onChange={setCode} />
        <p>
          <button type="submit" disabled={enable.isPending}>
            Turn on
          </button>
        </p>
        <Failure error={enable.error} />
      </form>
      {stepUp.prompt}
    </>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div className="stack">
      <p>
        On. Keep these recovery codes somewhere safe: each one signs you in once if you lose your phone. They
        are shown only now.
      </p>
      <ul aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <p>
        <button type="button" onClick={onDone}>
          I have saved them
        </button>
      </p>
    </div>
  );
}

function TurnOff() {
  const trpc = useTRPC();
  const reread = useRereadProfile();
  const stepUp = useReauthRetry();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  const input = () => (useRecovery ? { password, recoveryCode: code } : { password, code });
  const disable = useMutation(
    trpc.auth.mfa.disable.mutationOptions({
      onSuccess: () => void reread(),
      onError: (error) => stepUp.guard(error, () => disable.mutate(input())),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    disable.mutate(input());
  };
  return (
    <>
      <form onSubmit={submit} className="stack" aria-label="Turn off two-step sign-in">
        <p>On: signing in asks for a code from your authenticator app.</p>
        <CurrentPasswordField name="mfa-password" value={password} onChange={setPassword} />
        {useRecovery ? (
          <label>
            Recovery code
            <input name="recovery-code" value={code} onChange={(e) => setCode(e.target.value)} required />
          </label>
        ) : (
          <CodeField value={code} onChange={setCode} />
        )}
        <p>
          <button type="submit" disabled={disable.isPending}>
            Turn off two-step sign-in
          </button>{' '}
          <button type="button" onClick={() => setUseRecovery(!useRecovery)}>
            {useRecovery ? 'Use a code from the app' : 'Use a recovery code'}
          </button>
        </p>
        <Failure error={disable.error} />
      </form>
      {stepUp.prompt}
    </>
  );
}
