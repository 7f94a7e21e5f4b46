import type { InboxItem, LeaderboardChange, LeaderboardEntry, LeaderboardMe } from '@skillbytes/shared';
import type { inferRouterOutputs } from '@trpc/server';
import { describe, expectTypeOf, it } from 'vitest';
import type { AppRouter, RouterInputs, RouterOutputs } from '../src/index.ts';

/** What a client's onData receives for a `tracked()` event. */
type TrackedData<T> = { id: string; data: T };
type SubscriptionData<T> = T extends AsyncIterable<infer D> ? D : never;
type Outputs = inferRouterOutputs<AppRouter>;

describe('end-to-end types a React app relies on', () => {
  it('types inbox queries and the onMessage stream with the shared InboxItem', () => {
    expectTypeOf<RouterOutputs['inbox']['list']['items'][number]>().toEqualTypeOf<InboxItem>();
    expectTypeOf<RouterOutputs['inbox']['list']['nextCursor']>().toEqualTypeOf<string | null>();
    expectTypeOf<RouterOutputs['inbox']['unreadCount']>().toEqualTypeOf<{ unreadCount: number }>();
    expectTypeOf<SubscriptionData<Outputs['inbox']['onMessage']>>().toEqualTypeOf<TrackedData<InboxItem>>();
    expectTypeOf<RouterInputs['inbox']['markRead']>().toEqualTypeOf<{ ids: string[] } | { all: true }>();
  });

  it('types leaderboard entries, me and the onChange stream with the shared types', () => {
    expectTypeOf<RouterOutputs['leaderboard']['top']['items'][number]>().toEqualTypeOf<LeaderboardEntry>();
    expectTypeOf<RouterOutputs['leaderboard']['me']>().toEqualTypeOf<LeaderboardMe>();
    expectTypeOf<SubscriptionData<Outputs['leaderboard']['onChange']>>().toEqualTypeOf<
      TrackedData<LeaderboardChange>
    >();
    expectTypeOf<RouterInputs['leaderboard']['top']>().toExtend<
      { window?: 'all' | 'week' | 'month'; cursor?: string | null; limit?: number } | undefined
    >();
  });
});
