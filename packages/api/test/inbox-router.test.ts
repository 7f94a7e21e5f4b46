import { randomUUID } from 'node:crypto';
import { schema } from '@skillbytes/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './helpers.ts';
import { expectTrpcError } from './realtime-fixtures.ts';

let api: TestApi;
let admin: Awaited<ReturnType<TestApi['createUser']>>;

beforeAll(async () => {
  api = await createTestApi();
  admin = await api.createUser({ role: 'admin' });
});
afterAll(() => api?.close());

const tick = () => api.clock.advance(1000);
const send = (content: string, to: object = { everyone: true }) => {
  tick();
  return api.as(admin).inbox.send({ content, to } as never);
};
const contents = (page: { items: { content: string }[] }) => page.items.map((i) => i.content);

describe('inbox.send', () => {
  it('stores one row for a broadcast, with the default icon and banner colour', async () => {
    const before = await api.database.db.$count(schema.messages);
    const sent = await send('hello everyone');
    expect(sent).toMatchObject({
      content: 'hello everyone',
      icon: '📢',
      bannerColor: '#2821fc',
      recipientId: null,
    });
    expect(await api.database.db.$count(schema.messages)).toBe(before + 1);
    expect(await api.database.db.$count(schema.inboxState)).toBe(0);
  });

  it('records the send in the audit log and publishes message.created in the same transaction', async () => {
    const sent = await send('audited');
    const [audit] = await api.database.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.target, `message:${sent.id}`));
    expect(audit).toMatchObject({
      action: 'authz_admin',
      actorUserId: admin.id,
      metadata: { op: 'inbox.send', audience: 'everyone', recipientId: null },
    });
    const events = await api.services.events.replay(0, admin.id, ['message.created']);
    expect(events.at(-1)).toMatchObject({
      userId: null,
      payload: { messageId: sent.id, content: 'audited' },
    });
  });

  it('sends to one user by username (any case) or by id, and to nobody else', async () => {
    const alice = await api.createUser({ username: 'Alice_Direct' });
    const bob = await api.createUser();
    const byName = await send('for alice by name', { username: 'alice_direct' });
    const byId = await send('for alice by id', { userId: alice.id });
    expect(byName.recipientId).toBe(alice.id);
    expect(byId.recipientId).toBe(alice.id);
    const alicesInbox = contents(await api.as(alice).inbox.list({}));
    expect(alicesInbox.slice(0, 2)).toEqual(['for alice by id', 'for alice by name']);
    expect(contents(await api.as(bob).inbox.list({}))).not.toContain('for alice by id');
  });

  it('takes a custom icon and colour', async () => {
    const sent = await api
      .as(admin)
      .inbox.send({ content: 'c', icon: '🎉', bannerColor: '#ABCDEF', to: { everyone: true } });
    expect(sent).toMatchObject({ icon: '🎉', bannerColor: '#abcdef' });
  });

  it('answers USER_NOT_FOUND for an unknown or deleted recipient', async () => {
    await expectTrpcError(send('x', { username: 'nobody_here' }), 'NOT_FOUND', 'USER_NOT_FOUND');
    await expectTrpcError(send('x', { userId: randomUUID() }), 'NOT_FOUND', 'USER_NOT_FOUND');
    const gone = await api.createUser({ deletedAt: api.clock.now() });
    await expectTrpcError(send('x', { userId: gone.id }), 'NOT_FOUND', 'USER_NOT_FOUND');
  });

  it('validates colour, content length and audience', async () => {
    const as = api.as(admin);
    await expectTrpcError(
      as.inbox.send({ content: 'x', bannerColor: 'red', to: { everyone: true } }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      as.inbox.send({ content: '#2821f', bannerColor: '#2821f', to: { everyone: true } }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      as.inbox.send({ content: '   ', to: { everyone: true } }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      as.inbox.send({ content: 'x'.repeat(2001), to: { everyone: true } }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      as.inbox.send({ content: 'x', to: { everyone: false } } as never),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(
      as.inbox.send({ content: 'x', to: {} } as never),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
  });

  it('is for admins only, and needs a signed-in caller', async () => {
    const user = await api.createUser();
    await expectTrpcError(
      api.as(user).inbox.send({ content: 'x', to: { everyone: true } }),
      'FORBIDDEN',
      'FORBIDDEN',
    );
    await expectTrpcError(
      api.anonymous().inbox.send({ content: 'x', to: { everyone: true } }),
      'UNAUTHORIZED',
      'UNAUTHENTICATED',
    );
    // An admin's API key without the admin scope is not an admin.
    await expectTrpcError(
      api
        .as(admin, { kind: 'apiKey', keyId: 'k', scopes: [] } as never)
        .inbox.send({ content: 'x', to: { everyone: true } }),
      'FORBIDDEN',
      'FORBIDDEN',
    );
  });
});

describe('broadcast audience', () => {
  it('reaches the accounts that existed when it was sent, and not later ones', async () => {
    const early = await api.createUser();
    tick();
    const sent = await send('before the newcomer');
    tick();
    const late = await api.createUser();
    expect(contents(await api.as(early).inbox.list({}))).toContain('before the newcomer');
    expect(contents(await api.as(late).inbox.list({}))).not.toContain('before the newcomer');
    await expectTrpcError(api.as(late).inbox.delete({ id: sent.id }), 'NOT_FOUND', 'MESSAGE_NOT_FOUND');
    await send('after the newcomer');
    expect(contents(await api.as(late).inbox.list({}))).toEqual(['after the newcomer']);
  });
});

describe('inbox.list', () => {
  it('pages newest first with a cursor, without gaps or repeats', async () => {
    const reader = await api.createUser();
    for (let i = 1; i <= 7; i++)
      await send(`page msg ${i}`, i % 2 ? { everyone: true } : { userId: reader.id });
    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await api.as(reader).inbox.list({ limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...contents(page));
      cursor = page.nextCursor;
    } while (cursor);
    // Broadcasts sent by later tests in this file may follow; this test's messages come first.
    expect(seen.slice(0, 7)).toEqual([7, 6, 5, 4, 3, 2, 1].map((i) => `page msg ${i}`));
  });

  it('keeps a stable order for messages sent at the same instant', async () => {
    tick();
    const reader = await api.createUser();
    const same = api.as(admin);
    for (let i = 0; i < 5; i++) await same.inbox.send({ content: `same ${i}`, to: { userId: reader.id } });
    const all = contents(await api.as(reader).inbox.list({ limit: 100 }));
    const paged: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await api.as(reader).inbox.list({ limit: 2, cursor });
      paged.push(...contents(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
    expect(paged.filter((c) => c.startsWith('same ')).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `same ${i}`),
    );
  });

  it('rejects a forged cursor and an out-of-range limit', async () => {
    const reader = await api.createUser();
    await expectTrpcError(
      api.as(reader).inbox.list({ cursor: 'not-a-cursor' }),
      'BAD_REQUEST',
      'VALIDATION_FAILED',
    );
    await expectTrpcError(api.as(reader).inbox.list({ limit: 1000 }), 'BAD_REQUEST', 'VALIDATION_FAILED');
  });

  it('needs a signed-in caller', async () => {
    await expectTrpcError(api.anonymous().inbox.list({}), 'UNAUTHORIZED', 'UNAUTHENTICATED');
    await expectTrpcError(api.anonymous().inbox.unreadCount(), 'UNAUTHORIZED', 'UNAUTHENTICATED');
    await expectTrpcError(api.anonymous().inbox.markRead({ all: true }), 'UNAUTHORIZED', 'UNAUTHENTICATED');
    await expectTrpcError(
      api.anonymous().inbox.delete({ id: randomUUID() }),
      'UNAUTHORIZED',
      'UNAUTHENTICATED',
    );
  });
});

describe('read state and unread counts', () => {
  it('counts unread messages, marks some read by id, then all, then counts a new one', async () => {
    const reader = await api.createUser();
    const as = api.as(reader);
    expect(await as.inbox.unreadCount()).toEqual({ unreadCount: 0 });
    const a = await send('unread a');
    const b = await send('unread b', { userId: reader.id });
    await send('unread c');
    expect(await as.inbox.unreadCount()).toEqual({ unreadCount: 3 });

    expect(await as.inbox.markRead({ ids: [a.id, b.id] })).toEqual({ unreadCount: 1 });
    const page = await as.inbox.list({});
    expect(page.items.map((i) => [i.content, i.isRead])).toEqual([
      ['unread c', false],
      ['unread b', true],
      ['unread a', true],
    ]);

    expect(await as.inbox.markRead({ all: true })).toEqual({ unreadCount: 0 });
    expect((await as.inbox.list({})).items.every((i) => i.isRead)).toBe(true);

    await send('after mark all');
    expect(await as.inbox.unreadCount()).toEqual({ unreadCount: 1 });
    expect((await as.inbox.list({})).items[0]).toMatchObject({ content: 'after mark all', isRead: false });
  });

  it('marking all read writes one row, whatever the inbox holds', async () => {
    const reader = await api.createUser();
    for (let i = 0; i < 5; i++) await send(`bulk ${i}`);
    const statesBefore = await api.database.db.$count(schema.inboxState);
    await api.as(reader).inbox.markRead({ all: true });
    expect(await api.database.db.$count(schema.inboxState)).toBe(statesBefore);
    expect(
      await api.database.db.$count(schema.inboxReadMarks, eq(schema.inboxReadMarks.userId, reader.id)),
    ).toBe(1);
  });

  it("refuses to mark someone else's direct message, and changes nothing when one id is bad", async () => {
    const alice = await api.createUser();
    const mallory = await api.createUser();
    const secret = await send('for alice only', { userId: alice.id });
    const mine = await send('for mallory', { userId: mallory.id });
    await expectTrpcError(
      api.as(mallory).inbox.markRead({ ids: [mine.id, secret.id] }),
      'NOT_FOUND',
      'MESSAGE_NOT_FOUND',
    );
    expect((await api.as(mallory).inbox.list({})).items.find((i) => i.id === mine.id)?.isRead).toBe(false);
    expect((await api.as(alice).inbox.list({})).items.find((i) => i.id === secret.id)?.isRead).toBe(false);
    await expectTrpcError(
      api.as(mallory).inbox.markRead({ ids: [randomUUID()] }),
      'NOT_FOUND',
      'MESSAGE_NOT_FOUND',
    );
  });
});

describe('inbox.delete', () => {
  it('hides a broadcast for the one user who deleted it', async () => {
    const alice = await api.createUser();
    const bob = await api.createUser();
    const sent = await send('delete me');
    expect(await api.as(alice).inbox.delete({ id: sent.id })).toEqual({ id: sent.id });
    expect(contents(await api.as(alice).inbox.list({}))).not.toContain('delete me');
    expect(contents(await api.as(bob).inbox.list({}))).toContain('delete me');
    // Deleted messages no longer count as unread.
    const bobUnread = (await api.as(bob).inbox.unreadCount()).unreadCount;
    expect((await api.as(alice).inbox.unreadCount()).unreadCount).toBe(bobUnread - 1);
    // Deleting again is harmless.
    expect(await api.as(alice).inbox.delete({ id: sent.id })).toEqual({ id: sent.id });
  });

  it("answers MESSAGE_NOT_FOUND for someone else's direct message or a missing id", async () => {
    const alice = await api.createUser();
    const mallory = await api.createUser();
    const secret = await send('alice private', { userId: alice.id });
    await expectTrpcError(api.as(mallory).inbox.delete({ id: secret.id }), 'NOT_FOUND', 'MESSAGE_NOT_FOUND');
    await expectTrpcError(
      api.as(mallory).inbox.delete({ id: randomUUID() }),
      'NOT_FOUND',
      'MESSAGE_NOT_FOUND',
    );
    await expectTrpcError(api.as(mallory).inbox.delete({ id: 'nope' }), 'BAD_REQUEST', 'VALIDATION_FAILED');
    expect(contents(await api.as(alice).inbox.list({}))).toContain('alice private');
  });
});
