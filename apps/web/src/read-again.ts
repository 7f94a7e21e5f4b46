import { type QueryClient, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTRPC, useTRPCClient } from './api.ts';

/** The routers whose queries a push can make stale. */
type Router = 'inbox' | 'leaderboard' | 'groups';

/**
 * While mounted, holds one `stream` open and on every push reads the queries of `routers` again, rather
 * than patching them by hand: the ones on screen at once, the others when next shown. In the order
 * given, each once the one before was read: after a push the league list comes first, so the board of
 * a league the user was just removed from is gone before it would be asked for (and refused). The kit
 * resumes the stream after a refresh or a lost connection.
 *
 * Every stream holds one of the user's stream slots (`config.streams.perUser`, 8 by default) and, on
 * HTTP/1.1, one of the browser's six connections to the server: a page takes one stream for all it
 * shows, so a tab holds at most two (this and the inbox's).
 */
export function useReadAgainOnPush(
  stream: 'inbox.onMessage' | 'leaderboard.onChange',
  ...routers: [Router, ...Router[]]
) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  // A string, so that the effect does not open a new stream on every render.
  const order = routers.join(' ');
  useEffect(() => {
    const pathKeys: Record<Router, QueryKey> = {
      inbox: trpc.inbox.pathKey(),
      leaderboard: trpc.leaderboard.pathKey(),
      groups: trpc.groups.pathKey(),
    };
    const keys = order.split(' ').map((r) => pathKeys[r as Router]);
    const onData = () => void readInOrder(queryClient, keys);
    const subscription =
      stream === 'inbox.onMessage'
        ? client.inbox.onMessage.subscribe(undefined, { onData })
        : client.leaderboard.onChange.subscribe(undefined, { onData });
    return () => subscription.unsubscribe();
  }, [client, queryClient, trpc, stream, order]);
}

async function readInOrder(queryClient: QueryClient, keys: QueryKey[]) {
  for (const queryKey of keys) await queryClient.invalidateQueries({ queryKey });
}
