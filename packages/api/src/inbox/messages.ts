import { type Executor, prepareSql, schema, statementsFor } from '@skillbytes/db';
import type {
  IdInput,
  InboxItem,
  MarkReadInput,
  Page,
  PageInput,
  SendMessageInput,
} from '@skillbytes/shared';
import { and, eq, isNull, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { actorOf, audit } from '../auth/audit.ts';
import type { Service } from '../context.ts';
import { DomainError } from '../errors.ts';
import { timeCursor } from '../lib/cursor.ts';

const m = schema.messages;
const st = schema.inboxState;
const marks = schema.inboxReadMarks;
const u = schema.users;

/**
 * Messages `userId` may see, as a SQL condition on `messages`: their direct messages, and broadcasts
 * sent at or after their account was created ("everyone" means every account that existed then).
 */
function audienceOf(userId: string): SQL {
  return sql`(${m.recipientId} = ${userId} or (${m.recipientId} is null and ${m.createdAt} >= (
    select ${u.createdAt} from ${u} where ${u.id} = ${userId})))`;
}

const notDeletedFor = (userId: SQLWrapper | string) =>
  sql`not exists (select 1 from ${st} where ${st.userId} = ${userId} and ${st.messageId} = ${m.id} and ${st.deletedAt} is not null)`;

export type SentMessage = {
  id: string;
  content: string;
  icon: string;
  bannerColor: string;
  recipientId: string | null;
  createdAt: Date;
};

/**
 * One row whatever the audience: a broadcast costs the same for 10 users or 10 million. The message,
 * its audit record and its `message.created` event commit together.
 */
export async function sendMessage(
  svc: Service,
  input: z.output<typeof SendMessageInput>,
): Promise<SentMessage> {
  const { now, caller } = svc;
  return svc.db.transaction(async (tx) => {
    const recipientId = await resolveRecipient(tx, input.to);
    const [message] = await tx
      .insert(m)
      .values({
        content: input.content,
        icon: input.icon,
        bannerColor: input.bannerColor.toLowerCase(),
        recipientId,
        senderId: caller.userId,
        createdAt: now,
      })
      .returning();
    const row = message!;
    await audit(
      { ...svc, db: tx },
      {
        action: 'authz_admin',
        at: now,
        ...actorOf(caller),
        target: `message:${row.id}`,
        metadata: { op: 'inbox.send', audience: recipientId ? 'user' : 'everyone', recipientId },
      },
    );
    // The message itself rides along, so a live subscriber needs no query.
    await svc.events.publish(tx, {
      type: 'message.created',
      userId: recipientId,
      payload: {
        messageId: row.id,
        content: row.content,
        icon: row.icon,
        bannerColor: row.bannerColor,
        createdAt: row.createdAt.toISOString(),
      },
    });
    return {
      id: row.id,
      content: row.content,
      icon: row.icon,
      bannerColor: row.bannerColor,
      recipientId: row.recipientId,
      createdAt: row.createdAt,
    };
  });
}

/** null for everyone; a deleted account is no recipient. */
async function resolveRecipient(
  tx: Executor,
  to: z.output<typeof SendMessageInput>['to'],
): Promise<string | null> {
  if ('everyone' in to) return null;
  const match = 'userId' in to ? eq(u.id, to.userId) : sql`lower(${u.username}) = lower(${to.username})`;
  // FOR KEY SHARE: the account cannot be hard-deleted under us before the message row references it.
  const [user] = await tx
    .select({ id: u.id })
    .from(u)
    .where(and(match, isNull(u.deletedAt)))
    .for('key share');
  if (!user) throw new DomainError('USER_NOT_FOUND', 'No such user', { to });
  return user.id;
}

type ItemRow = {
  id: string;
  content: string;
  icon: string;
  banner_color: string;
  recipient_id: string | null;
  created_at: string | Date;
  cursor_at: string;
  is_read: boolean;
};

const toItem = (r: ItemRow): InboxItem => ({
  id: r.id,
  content: r.content,
  icon: r.icon,
  bannerColor: r.banner_color,
  createdAt: new Date(r.created_at),
  isBroadcast: r.recipient_id === null,
  isRead: r.is_read,
});

/**
 * Read: marked one by one (inbox_state.read_at), or sent at or before the user's "mark all read"
 * instant.
 */
const isReadFor = (userId: SQLWrapper | string) => sql`(
  exists (select 1 from ${st} where ${st.userId} = ${userId} and ${st.messageId} = ${m.id} and ${st.readAt} is not null)
  or ${m.createdAt} <= coalesce((select ${marks.readThrough} from ${marks} where ${marks.userId} = ${userId}), '-infinity'::timestamptz)
)`;

/**
 * The inbox page statement: direct messages and broadcasts are read from their own indexes
 * (messages_recipient_idx, messages_broadcast_idx) and merged, each branch stopping after one page.
 * `after` is the cursor's position, when there is one.
 */
function inboxPage(userId: SQLWrapper, take: SQLWrapper, after?: { at: SQLWrapper; id: SQLWrapper }): SQL {
  const before = after
    ? sql`and (${m.createdAt}, ${m.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`
    : sql``;
  // NULLS LAST as the indexes are declared (drizzle's `.desc()`): otherwise the planner sorts instead.
  const branch = (audience: SQL) => sql`(
    select ${m.id} as id, ${m.content} as content, ${m.icon} as icon, ${m.bannerColor} as banner_color,
      ${m.recipientId} as recipient_id, ${m.createdAt} as created_at, ${m.createdAt}::text as cursor_at,
      ${isReadFor(userId)} as is_read
    from ${m}
    where ${audience} ${before} and ${notDeletedFor(userId)}
    order by ${m.createdAt} desc nulls last, ${m.id} desc nulls last
    limit ${take}
  )`;
  return sql`
    select * from (
      ${branch(sql`${m.recipientId} = ${userId}`)}
      union all
      ${branch(sql`${m.recipientId} is null and ${m.createdAt} >= (select ${u.createdAt} from ${u} where ${u.id} = ${userId})`)}
    ) inbox
    order by created_at desc, id desc
    limit ${take}
  `;
}

/**
 * Unread messages: only those after the user's "mark all read" instant need looking at, so the cost
 * follows what arrived since, not the history.
 */
function unreadCounts(userId: SQLWrapper): SQL {
  const since = sql`coalesce((select ${marks.readThrough} from ${marks} where ${marks.userId} = ${userId}), '-infinity'::timestamptz)`;
  const unreadState = sql`not exists (select 1 from ${st} where ${st.userId} = ${userId} and ${st.messageId} = ${m.id}
    and (${st.readAt} is not null or ${st.deletedAt} is not null))`;
  return sql`
    select
      (select count(*) from ${m} where ${m.recipientId} = ${userId} and ${m.createdAt} > ${since} and ${unreadState}) as direct,
      (select count(*) from ${m} where ${m.recipientId} is null and ${m.createdAt} > ${since}
        and ${m.createdAt} >= (select ${u.createdAt} from ${u} where ${u.id} = ${userId}) and ${unreadState}) as broadcast
  `;
}

/** The reads every app start makes, prepared once per database. */
const statements = statementsFor((db: Executor) => {
  const userId = sql.placeholder('userId');
  const take = sql.placeholder('take');
  return {
    firstPage: prepareSql<ItemRow>(db, 'inbox_list', inboxPage(userId, take)),
    pageAfter: prepareSql<ItemRow>(
      db,
      'inbox_list_after',
      inboxPage(userId, take, { at: sql.placeholder('afterAt'), id: sql.placeholder('afterId') }),
    ),
    unread: prepareSql<{ direct: number | string; broadcast: number | string }>(
      db,
      'inbox_unread_count',
      unreadCounts(userId),
    ),
  };
});

/** The caller's inbox, newest first. */
export async function listInbox(svc: Service, input: z.output<typeof PageInput>): Promise<Page<InboxItem>> {
  const after = timeCursor.decode(input.cursor);
  const values = { userId: svc.caller.userId, take: input.limit + 1 };
  const inbox = statements(svc.db);
  const result = after
    ? await inbox.pageAfter.execute({ ...values, afterAt: after.at, afterId: after.id })
    : await inbox.firstPage.execute(values);
  const page = timeCursor.page(result.rows, input.limit, (r) => ({ at: r.cursor_at, id: r.id }));
  return { items: page.rows.map(toItem), nextCursor: page.nextCursor };
}

/** Items by id for the caller, as `listInbox` shows them; ids outside their inbox are left out. */
export async function inboxItems(svc: Service, ids: string[]): Promise<InboxItem[]> {
  if (ids.length === 0) return [];
  const userId = svc.caller.userId;
  const result = await svc.db.execute<ItemRow>(sql`
    select ${m.id} as id, ${m.content} as content, ${m.icon} as icon, ${m.bannerColor} as banner_color,
      ${m.recipientId} as recipient_id, ${m.createdAt} as created_at, ${m.createdAt}::text as cursor_at,
      ${isReadFor(userId)} as is_read
    from ${m}
    where ${m.id} in ${ids} and ${audienceOf(userId)} and ${notDeletedFor(userId)}
    order by ${m.createdAt} desc nulls last, ${m.id} desc nulls last
  `);
  return result.rows.map(toItem);
}

/** The caller's unread messages. */
export async function unreadCount(svc: Service): Promise<{ unreadCount: number }> {
  const result = await statements(svc.db).unread.execute({ userId: svc.caller.userId });
  const row = result.rows[0];
  return { unreadCount: Number(row?.direct ?? 0) + Number(row?.broadcast ?? 0) };
}

/**
 * `{ids}` marks those messages read (all of them must be in the caller's inbox, else nothing changes
 * and the answer is MESSAGE_NOT_FOUND); `{all: true}` moves the caller's read-through instant to now,
 * one row whatever the inbox holds.
 */
export async function markRead(
  svc: Service,
  input: z.output<typeof MarkReadInput>,
): Promise<{ unreadCount: number }> {
  const { db, now } = svc;
  const userId = svc.caller.userId;
  if ('all' in input) {
    await db
      .insert(marks)
      .values({ userId, readThrough: now })
      .onConflictDoUpdate({
        target: marks.userId,
        set: { readThrough: sql`greatest(${marks.readThrough}, excluded.read_through)` },
      });
    return unreadCount(svc);
  }
  const ids = [...new Set(input.ids)];
  await db.transaction(async (tx) => {
    const marked = await tx.execute<{ message_id: string }>(sql`
      insert into ${st} (user_id, message_id, read_at)
      select ${userId}, ${m.id}, ${now.toISOString()}::timestamptz from ${m} where ${m.id} in ${ids} and ${audienceOf(userId)}
      on conflict (user_id, message_id) do update set read_at = coalesce(${st.readAt}, excluded.read_at)
      returning message_id
    `);
    if (marked.rows.length !== ids.length) {
      const found = new Set(marked.rows.map((r) => r.message_id));
      throw new DomainError('MESSAGE_NOT_FOUND', 'No such message in your inbox', {
        ids: ids.filter((id) => !found.has(id)),
      });
    }
  });
  return unreadCount(svc);
}

/** Hides the message for the caller only. Someone else's direct message, or no message, is NOT_FOUND. */
export async function deleteMessage(
  svc: Service,
  { id: messageId }: z.output<typeof IdInput>,
): Promise<{ id: string }> {
  const { db, now } = svc;
  const userId = svc.caller.userId;
  const hidden = await db.execute<{ message_id: string }>(sql`
    insert into ${st} (user_id, message_id, deleted_at)
    select ${userId}, ${m.id}, ${now.toISOString()}::timestamptz from ${m} where ${m.id} = ${messageId} and ${audienceOf(userId)}
    on conflict (user_id, message_id) do update set deleted_at = coalesce(${st.deletedAt}, excluded.deleted_at)
    returning message_id
  `);
  if (hidden.rows.length === 0) throw new DomainError('MESSAGE_NOT_FOUND', 'No such message in your inbox');
  return { id: messageId };
}
