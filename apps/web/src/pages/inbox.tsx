import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC, useTRPCClient } from '../api.ts';
import { errorMessage } from '../errors.ts';
import { formatDateTime } from '../format.ts';
import { useCursorPages } from '../paged.ts';

/** Messages from the team, newest first; the list and the unread count follow new ones live (see Shell). */
export function Inbox() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const client = useTRPCClient();
  const list = useCursorPages(trpc.inbox.list.pathKey(), (cursor) =>
    client.inbox.list.query({ limit: 20, cursor }),
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.inbox.pathKey() });
  const markRead = useMutation(trpc.inbox.markRead.mutationOptions({ onSettled: refresh }));
  const remove = useMutation(trpc.inbox.delete.mutationOptions({ onSettled: refresh }));
  const { items } = list;
  const hasUnread = items.some((m) => !m.isRead);

  return (
    <main>
      <h1>Inbox</h1>
      <p>
        <button
          type="button"
          disabled={!hasUnread || markRead.isPending}
          onClick={() => markRead.mutate({ all: true })}
        >
          Mark all as read
        </button>
      </p>
      {(markRead.isError || remove.isError) && (
        <p role="alert" className="error">
          {errorMessage(markRead.error ?? remove.error)}
        </p>
      )}
      {list.isPending && <p>Loading…</p>}
      {list.isError && (
        <p role="alert" className="error">
          {errorMessage(list.error)}
        </p>
      )}
      {list.isSuccess && items.length === 0 && <p>No messages.</p>}
      <ul className="messages" aria-label="Messages">
        {items.map((m) => (
          <li key={m.id} className={m.isRead ? 'read' : 'unread'}>
            <span className="banner" style={{ backgroundColor: m.bannerColor }} aria-hidden="true">
              {m.icon}
            </span>
            <div>
              <p className="content">{m.content}</p>
              <p className="muted">
                {formatDateTime(m.createdAt)}
                {m.isBroadcast ? ' · to everyone' : ' · to you'}
                {!m.isRead && ' · unread'}
              </p>
            </div>
            <div className="actions">
              {!m.isRead && (
                <button type="button" onClick={() => markRead.mutate({ ids: [m.id] })}>
                  Mark read
                </button>
              )}
              <button type="button" onClick={() => remove.mutate({ id: m.id })}>
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          Load more
        </button>
      )}
    </main>
  );
}
