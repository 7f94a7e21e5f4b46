import pg from 'pg';
import { BENCH_PASSWORD, isDeletedUser, userEmail } from './dataset.ts';
import { type RequestPlan, trpc, trpcPath, type Workload } from './load.ts';

/** A seeded user signed in for the run, with what the submit scenario needs to know about them. */
type BenchUser = {
  i: number;
  userId: string;
  token: string;
  /** Today's challenge: its id, the reference solution (accepted) and the starter code (wrong answer). */
  daily: { challengeId: string; solution: string; wrong: string } | null;
};

export type Fixture = {
  users: BenchUser[];
  /** Accounts for the login scenario, disjoint from `users`: each login opens a session, and past the
   * per-user session cap the oldest are revoked, which must not hit the tokens the other scenarios use. */
  loginEmails: string[];
};

/**
 * `count` seeded users spread evenly over 1..size, starting `offset` into each stride; a deleted account
 * is replaced by the next live one.
 */
export function sampleUsers(size: number, count: number, offset = 0): number[] {
  const stride = Math.max(1, Math.floor(size / count));
  const taken = new Set<number>();
  for (let k = 0; k < Math.min(count, size); k++) {
    let i = 1 + ((k * stride + offset) % size);
    while (isDeletedUser(i) || taken.has(i)) i = (i % size) + 1;
    taken.add(i);
  }
  return [...taken];
}

/**
 * Signs in real seeded users through auth.login (Bearer tokens in the body), `concurrency` at a time;
 * `daily` is left for the caller to fill (only the submit scenarios need it).
 */
export async function signIn(baseUrl: string, indexes: number[], concurrency = 4): Promise<BenchUser[]> {
  const out: BenchUser[] = [];
  let next = 0;
  const worker = async () => {
    while (next < indexes.length) {
      const i = indexes[next++]!;
      const email = userEmail(i);
      const r = await trpc(baseUrl, 'auth.login', {
        method: 'POST',
        input: { identifier: email, password: BENCH_PASSWORD, tokenDelivery: 'body' },
      });
      const data = r.data as { accessToken?: string; user?: { id: string } } | undefined;
      if (r.status !== 200 || !data?.accessToken || !data.user) {
        throw new Error(`login of ${email} failed: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      }
      out.push({ i, userId: data.user.id, token: data.accessToken, daily: null });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out.sort((a, b) => a.i - b.i);
}

/** Today's challenge of each user, read from the database (setup, not measured). */
export async function loadDailies(
  databaseUrl: string,
  userIds: string[],
): Promise<Map<string, NonNullable<BenchUser['daily']>>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      user_id: string;
      challenge_id: string;
      solution: string | null;
      starter: string | null;
      fn: string;
    }>(
      `select distinct on (da.user_id) da.user_id, da.challenge_id, c.solution, c.starter_code as starter, c.function_name as fn
       from daily_assignments da join challenges c on c.id = da.challenge_id
       where da.user_id = any($1::uuid[]) order by da.user_id, da.day desc`,
      [userIds],
    );
    return new Map(
      rows.map((r) => [
        r.user_id,
        {
          challengeId: r.challenge_id,
          solution: r.solution ?? `function ${r.fn}() {}`,
          wrong: `function ${r.fn}() { return null; }`,
        },
      ]),
    );
  } finally {
    await client.end();
  }
}

/** The users connection `slot` acts for: slot, slot + C, slot + 2C, ... (disjoint between connections). */
function userFor<T>(list: T[], connections: number, slot: number, n: number): T {
  const perConnection = Math.max(1, Math.floor(list.length / connections));
  return list[(slot + connections * (n % perConnection)) % list.length]!;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** A read procedure and the input a scenario sends it. */
export type ReadRequest = { procedure: string; input?: unknown };

/** The read scenarios (served by our server and by the floor alike). */
export const READ_SCENARIOS: Record<string, ReadRequest> = {
  'auth.me': { procedure: 'auth.me' },
  'challenges.daily': { procedure: 'challenges.daily' },
  'leaderboard.top all': { procedure: 'leaderboard.top', input: { window: 'all', limit: 20 } },
  'leaderboard.top week': { procedure: 'leaderboard.top', input: { window: 'week', limit: 20 } },
  'leaderboard.top month': { procedure: 'leaderboard.top', input: { window: 'month', limit: 20 } },
  'leaderboard.me all': { procedure: 'leaderboard.me', input: { window: 'all' } },
  'leaderboard.me week': { procedure: 'leaderboard.me', input: { window: 'week' } },
  'leaderboard.me month': { procedure: 'leaderboard.me', input: { window: 'month' } },
  'inbox.list': { procedure: 'inbox.list', input: { limit: 20 } },
  'inbox.unreadCount': { procedure: 'inbox.unreadCount' },
};

export function readWorkload(name: string, fixture: Fixture, connections: number): Workload {
  const r = READ_SCENARIOS[name];
  if (!r) throw new Error(`unknown read scenario ${name}`);
  const path = trpcPath(r.procedure, r.input);
  return {
    name,
    connections,
    plan: (slot, n) => ({
      method: 'GET',
      path,
      headers: auth(userFor(fixture.users, connections, slot, n).token),
    }),
  };
}

function submitPlan(user: BenchUser, n: number): RequestPlan {
  const daily = user.daily!;
  // Four in five submissions are the reference solution (accepted; the first one pays points), one is wrong.
  const code = n % 5 === 4 ? daily.wrong : daily.solution;
  return {
    method: 'POST',
    path: '/trpc/challenges.submit',
    headers: { ...auth(user.token), 'content-type': 'application/json' },
    body: JSON.stringify({ json: { challengeId: daily.challengeId, code } }),
  };
}

export function submitWorkload(fixture: Fixture, connections: number): Workload {
  const users = fixture.users.filter((u) => u.daily);
  return {
    name: 'challenges.submit',
    connections,
    plan: (slot, n) => submitPlan(userFor(users, connections, slot, n), n),
    settles: true,
  };
}

export function loginWorkload(fixture: Fixture, connections: number): Workload {
  return {
    name: 'auth.login',
    connections,
    settles: true,
    plan: (slot, n) => ({
      method: 'POST',
      path: '/trpc/auth.login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        json: {
          identifier: userFor(fixture.loginEmails, connections, slot, n),
          password: BENCH_PASSWORD,
          tokenDelivery: 'body',
        },
      }),
    }),
  };
}

/**
 * The mixed profile: what a day of app use looks like, per 100 requests. Opening the app asks for the
 * profile, today's challenge and the unread badge; the inbox and the boards are opened less often;
 * one request in a hundred is a judged submission.
 */
export const MIXED_WEIGHTS: [string, number][] = [
  ['challenges.daily', 28],
  ['inbox.unreadCount', 20],
  ['auth.me', 15],
  ['inbox.list', 10],
  ['leaderboard.top all', 8],
  ['leaderboard.me all', 8],
  ['leaderboard.top week', 5],
  ['leaderboard.me week', 5],
  ['challenges.submit', 1],
];

/** A fixed, shuffled sequence of the weighted names (deterministic: same order every run). */
function mixedSequence(): string[] {
  const seq = MIXED_WEIGHTS.flatMap(([name, w]) => Array.from({ length: w }, () => name));
  let s = 0x2545f491;
  for (let i = seq.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [seq[i], seq[j]] = [seq[j]!, seq[i]!];
  }
  return seq;
}

export function mixedWorkload(fixture: Fixture, connections: number, name = 'mixed'): Workload {
  const seq = mixedSequence();
  const paths = Object.fromEntries(
    Object.entries(READ_SCENARIOS).map(([k, r]) => [k, trpcPath(r.procedure, r.input)]),
  );
  return {
    name,
    connections,
    settles: true,
    plan(slot, n) {
      const user = userFor(fixture.users, connections, slot, n);
      const what = seq[(slot * 37 + n) % seq.length]!;
      if (what === 'challenges.submit' && user.daily) return submitPlan(user, n);
      return { method: 'GET', path: paths[what] ?? paths['auth.me']!, headers: auth(user.token) };
    },
  };
}
