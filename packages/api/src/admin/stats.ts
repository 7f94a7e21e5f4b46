import { schema } from '@skillbytes/db';
import { sql } from 'drizzle-orm';
import type { Service } from '../context.ts';

type TopChallenge = {
  id: string;
  slug: string;
  title: string;
  completions: number;
  submissions: number;
  /** Accepted submissions / submissions, 0..1; null without submissions. */
  acceptanceRate: number | null;
};

export type AdminStats = {
  /** The UTC day "today" figures count, YYYY-MM-DD. */
  day: string;
  users: { total: number; admins: number; newToday: number };
  /** Accounts that signed in, used a session or submitted today. */
  activeToday: number;
  submissions: { total: number; accepted: number; today: number };
  /** Accepted submissions / submissions, 0..1; null without submissions. */
  acceptanceRate: number | null;
  completions: number;
  /** Missed days covered by a streak freeze (recorded by each user's next completion). */
  freezesUsed: number;
  /** Private leagues and their memberships. */
  groups: { total: number; members: number };
  /** Challenges whose hint a user opened (once per user and challenge); and today. */
  hintsUsed: { total: number; today: number };
  /** Most completed challenges first. */
  topChallenges: TopChallenge[];
};

const TOP_CHALLENGES = 5;

const rate = (accepted: number, total: number) => (total > 0 ? accepted / total : null);

/** Figures for `admin.stats` (and the CLI's `stats`). Deleted accounts are not counted as users. */
export async function adminStats(svc: Service): Promise<AdminStats> {
  const { db, now } = svc;
  const day = now.toISOString().slice(0, 10);
  const dayStart = `${day}T00:00:00.000Z`;
  const u = schema.users;
  const s = schema.sessions;
  const sub = schema.submissions;
  const cp = schema.completions;
  const c = schema.challenges;
  const sd = schema.streakDays;
  const g = schema.groups;
  const gm = schema.groupMembers;
  const hu = schema.hintUses;

  const totals = await db.execute<Record<string, number | string>>(sql`
    select
      (select count(*) from ${u} where ${u.deletedAt} is null) as users,
      (select count(*) from ${u} where ${u.deletedAt} is null and ${u.role} = 'admin') as admins,
      (select count(*) from ${u} where ${u.deletedAt} is null and ${u.createdAt} >= ${dayStart}::timestamptz) as new_today,
      (select count(*) from (
        select ${s.userId} as id from ${s} where ${s.lastUsedAt} >= ${dayStart}::timestamptz
        union
        select ${sub.userId} from ${sub} where ${sub.createdAt} >= ${dayStart}::timestamptz
      ) active join ${u} on ${u.id} = active.id and ${u.deletedAt} is null) as active_today,
      (select count(*) from ${sub}) as submissions,
      (select count(*) from ${sub} where ${sub.status} = 'accepted') as accepted,
      (select count(*) from ${sub} where ${sub.createdAt} >= ${dayStart}::timestamptz) as submissions_today,
      (select count(*) from ${cp}) as completions,
      (select count(*) from ${sd} where ${sd.kind} = 'frozen') as freezes_used,
      (select count(*) from ${g}) as groups,
      (select count(*) from ${gm}) as group_members,
      (select count(*) from ${hu}) as hints_used,
      (select count(*) from ${hu} where ${hu.usedAt} >= ${dayStart}::timestamptz) as hints_today
  `);
  const t = totals.rows[0] ?? {};
  const n = (key: string) => Number(t[key] ?? 0);

  const top = await db.execute<{
    id: string;
    slug: string;
    title: string;
    completions: number | string;
    submissions: number | string;
    accepted: number | string;
  }>(sql`
    with ranked as (
      select ${cp.challengeId} as id, count(*) as completions
      from ${cp} group by ${cp.challengeId}
      order by count(*) desc, ${cp.challengeId} limit ${TOP_CHALLENGES}
    )
    select ranked.id, ${c.slug} as slug, ${c.title} as title, ranked.completions,
      (select count(*) from ${sub} where ${sub.challengeId} = ranked.id) as submissions,
      (select count(*) from ${sub} where ${sub.challengeId} = ranked.id and ${sub.status} = 'accepted') as accepted
    from ranked join ${c} on ${c.id} = ranked.id
    order by ranked.completions desc, ${c.slug}
  `);

  return {
    day,
    users: { total: n('users'), admins: n('admins'), newToday: n('new_today') },
    activeToday: n('active_today'),
    submissions: { total: n('submissions'), accepted: n('accepted'), today: n('submissions_today') },
    acceptanceRate: rate(n('accepted'), n('submissions')),
    completions: n('completions'),
    freezesUsed: n('freezes_used'),
    groups: { total: n('groups'), members: n('group_members') },
    hintsUsed: { total: n('hints_used'), today: n('hints_today') },
    topChallenges: top.rows.map((r) => ({
      id: r.id,
      slug: r.slug,
      title: r.title,
      completions: Number(r.completions),
      submissions: Number(r.submissions),
      acceptanceRate: rate(Number(r.accepted), Number(r.submissions)),
    })),
  };
}
