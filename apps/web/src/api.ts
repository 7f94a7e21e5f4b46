import { createClient } from '@skillbytes/client';
import { createQueryClient } from '@skillbytes/client/react';

export { TRPCProvider, useTRPC, useTRPCClient } from '@skillbytes/client/react';

/** Tabs of the app tell each other that this browser signed in or out (the cookies are shared). */
const sessionChannel =
  typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('skillbytes-session');

/**
 * The app's two long-lived objects: the query cache and the API client on the page's own origin
 * (the server serves both the app and /trpc; `vite dev` proxies /trpc). When the session ends (the kit
 * found a refresh refused, or another tab signed in or out), every query is read again: `auth.session`
 * answers the new state and the app shows it.
 */
export function createAppClients() {
  const queryClient = createQueryClient();
  const readAgain = () => void queryClient.invalidateQueries();
  const trpcClient = createClient({ url: '', onSignedOut: readAgain });
  sessionChannel?.addEventListener('message', readAgain);
  return { queryClient, trpcClient };
}

/** Tells the other tabs that the session changed here (sign-in, sign-out). */
export function announceSessionChange() {
  sessionChannel?.postMessage('changed');
}
