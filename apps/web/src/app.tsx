import type { Profile } from '@skillbytes/shared';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, type ReactNode, Suspense } from 'react';
import { announceSessionChange, useTRPC } from './api.ts';
import { errorMessage } from './errors.ts';
import { AuthPage } from './pages/auth-page.tsx';
import { Devices } from './pages/devices.tsx';
import { History } from './pages/history.tsx';
import { Inbox } from './pages/inbox.tsx';
import { Leaderboard } from './pages/leaderboard.tsx';
import { Leagues } from './pages/leagues.tsx';
import { Onboarding } from './pages/onboarding.tsx';
import { ForgotPassword, ResetPassword } from './pages/password-reset.tsx';
import { useReadAgainOnPush } from './read-again.ts';
import { Link, navigate, usePath } from './router.tsx';

/** The editor (CodeMirror) is most of the app's weight: it loads with the page that shows it. */
const Today = lazy(() => import('./pages/today.tsx').then((m) => ({ default: m.Today })));

/** Signed out: sign in or up. Signed in without a profile: onboarding. Otherwise the app. */
export function App() {
  const trpc = useTRPC();
  const path = usePath();
  const session = useQuery(trpc.auth.session.queryOptions());

  // Signed in or not: a reset link may be opened anywhere, and it ends every session of its account.
  if (path === '/reset-password') return <ResetPassword />;
  if (path === '/forgot-password') return <ForgotPassword />;
  if (session.isPending) return <p className="narrow">Loading…</p>;
  if (session.isError) {
    return (
      <main className="narrow">
        <p role="alert" className="error">
          Could not reach Skill Bytes: {errorMessage(session.error)}
        </p>
        <button type="button" onClick={() => session.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  const me = session.data;
  if (!me) return <AuthPage mode={path === '/signup' ? 'signup' : 'signin'} />;
  if (!me.username || !me.name || path === '/welcome') return <Onboarding me={me} />;
  return (
    <Shell me={me}>
      <Suspense fallback={<p className="narrow">Loading…</p>}>
        <Page path={path} me={me} />
      </Suspense>
    </Shell>
  );
}

function Page({ path, me }: { path: string; me: Profile }) {
  switch (path) {
    case '/history':
      return <History />;
    case '/leaderboard':
      return <Leaderboard myUserId={me.id} />;
    case '/leagues':
      return <Leagues myUserId={me.id} />;
    case '/inbox':
      return <Inbox />;
    case '/devices':
      return <Devices mfaEnabled={me.mfaEnabled} />;
    default:
      return <Today />;
  }
}

function Shell({ me, children }: { me: Profile; children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const unread = useQuery(trpc.inbox.unreadCount.queryOptions());
  // New messages arrive over SSE: the count and the list are read again.
  useReadAgainOnPush('inbox.onMessage', 'inbox');
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        queryClient.clear();
        queryClient.setQueryData(trpc.auth.session.queryKey(), null);
        announceSessionChange();
        navigate('/signin', { replace: true });
      },
    }),
  );
  const count = unread.data?.unreadCount ?? 0;

  return (
    <>
      <header className="top">
        <nav aria-label="Main">
          <span className="brand">Skill Bytes</span>
          <Link href="/">Today</Link>
          <Link href="/history">History</Link>
          <Link href="/leaderboard">Leaderboard</Link>
          <Link href="/leagues">Leagues</Link>
          <Link href="/inbox">
            Inbox{' '}
            <span className="count" data-testid="unread-count">
              {count}
            </span>
            <span className="visually-hidden"> unread</span>
          </Link>
          <Link href="/devices">Devices</Link>
        </nav>
        <div className="who">
          <span>
            {me.username} · streak <span data-testid="streak">{me.currentStreak}</span> · {me.points} pts
          </span>
          <button type="button" onClick={() => logout.mutate()} disabled={logout.isPending}>
            Sign out
          </button>
        </div>
      </header>
      {children}
    </>
  );
}
