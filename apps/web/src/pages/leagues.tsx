import type { GroupSummary, LeaderboardWindow } from '@skillbytes/shared';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTRPC } from '../api.ts';
import { Board, WindowTabs } from '../board.tsx';
import { errorMessage } from '../errors.ts';
import { plural } from '../format.ts';
import { useReadAgainOnPush } from '../read-again.ts';

/**
 * Private leagues: the caller's groups with member counts and role, creating one, joining one by its
 * invite code, and the chosen league's board. Every change reads the groups and the boards again: the
 * caller's own at once, anyone's (points paid, a member joining, leaving or removed) when the
 * leaderboard stream ticks, without a reload.
 */
export function Leagues({ myUserId }: { myUserId: string }) {
  const trpc = useTRPC();
  useReadAgainOnPush('leaderboard.onChange', 'groups', 'leaderboard');
  const groups = useQuery(trpc.groups.list.queryOptions());
  const [chosenId, setChosenId] = useState<string | null>(null);
  const items = groups.data?.items ?? [];
  // The chosen league, or the first one (a league just left or removed from falls back to it).
  const chosen = items.find((g) => g.id === chosenId) ?? items[0];

  return (
    <main>
      <h1>Leagues</h1>
      <div className="columns">
        <section aria-labelledby="my-leagues">
          <h2 id="my-leagues">Your leagues</h2>
          {groups.isPending && <p>Loading…</p>}
          {groups.isError && (
            <p role="alert" className="error">
              {errorMessage(groups.error)}
            </p>
          )}
          {groups.isSuccess && items.length === 0 && (
            <p>You are in no league yet: create one and share its invite code, or join with a code.</p>
          )}
          {items.length > 0 && <LeagueList items={items} chosenId={chosen?.id} onChoose={setChosenId} />}
          <CreateLeague onCreated={setChosenId} />
          <JoinLeague onJoined={setChosenId} />
        </section>
        {chosen && <LeagueBoard key={chosen.id} group={chosen} myUserId={myUserId} />}
      </div>
    </main>
  );
}

function LeagueList({
  items,
  chosenId,
  onChoose,
}: {
  items: GroupSummary[];
  chosenId: string | undefined;
  onChoose: (id: string) => void;
}) {
  return (
    <table aria-label="Your leagues">
      <thead>
        <tr>
          <th scope="col">League</th>
          <th scope="col">Members</th>
          <th scope="col">Your role</th>
        </tr>
      </thead>
      <tbody>
        {items.map((g) => (
          <tr key={g.id} className={g.id === chosenId ? 'mine' : undefined}>
            <td>
              <button
                type="button"
                className="link"
                aria-pressed={g.id === chosenId}
                onClick={() => onChoose(g.id)}
              >
                {g.name}
              </button>
            </td>
            <td>{g.memberCount}</td>
            <td>{g.role === 'owner' ? 'Owner' : 'Member'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Reads the leagues and every board again after a membership change. */
function useAfterMembershipChange() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.groups.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.leaderboard.pathKey() }),
    ]);
}

/** A one-field form that sends its trimmed value and clears itself on success. */
function OneFieldForm({
  label,
  button,
  maxLength,
  pending,
  error,
  onSend,
}: {
  label: string;
  button: string;
  maxLength: number;
  pending: boolean;
  error: unknown;
  onSend: (value: string) => Promise<unknown>;
}) {
  const [value, setValue] = useState('');
  const send = (event: FormEvent) => {
    event.preventDefault();
    onSend(value.trim()).then(
      () => setValue(''),
      () => {},
    );
  };
  return (
    <form className="inline-form" onSubmit={send}>
      <label>
        {label}{' '}
        <input value={value} maxLength={maxLength} required onChange={(e) => setValue(e.target.value)} />
      </label>
      <button type="submit" disabled={pending || value.trim() === ''}>
        {button}
      </button>
      {error != null && (
        <p role="alert" className="error">
          {errorMessage(error)}
        </p>
      )}
    </form>
  );
}

function CreateLeague({ onCreated }: { onCreated: (id: string) => void }) {
  const trpc = useTRPC();
  const refresh = useAfterMembershipChange();
  const create = useMutation(
    trpc.groups.create.mutationOptions({ onSuccess: (g) => refresh().then(() => onCreated(g.id)) }),
  );
  return (
    <OneFieldForm
      label="League name"
      button="Create league"
      maxLength={60}
      pending={create.isPending}
      error={create.error}
      onSend={(name) => create.mutateAsync({ name })}
    />
  );
}

function JoinLeague({ onJoined }: { onJoined: (id: string) => void }) {
  const trpc = useTRPC();
  const refresh = useAfterMembershipChange();
  const join = useMutation(
    trpc.groups.join.mutationOptions({ onSuccess: (g) => refresh().then(() => onJoined(g.id)) }),
  );
  return (
    <OneFieldForm
      label="Invite code"
      button="Join league"
      maxLength={64}
      pending={join.isPending}
      error={join.error}
      onSend={(inviteCode) => join.mutateAsync({ inviteCode })}
    />
  );
}

/**
 * One league: its board for all time, this month or this week; for the owner the invite code (a new
 * one stops the old from working) and a Remove button per member. The all-time board lists every
 * member, so it is where an owner finds someone to remove.
 */
function LeagueBoard({ group, myUserId }: { group: GroupSummary; myUserId: string }) {
  const trpc = useTRPC();
  const [window, setWindow] = useState<LeaderboardWindow>('all');
  const refresh = useAfterMembershipChange();
  const rotate = useMutation(trpc.groups.rotateInvite.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.groups.removeMember.mutationOptions({ onSuccess: refresh }));
  const leave = useMutation(trpc.groups.leave.mutationOptions({ onSuccess: refresh }));
  const isOwner = group.role === 'owner';
  const failure = rotate.error ?? remove.error ?? leave.error;

  return (
    <section aria-labelledby="league-name">
      <h2 id="league-name">{group.name}</h2>
      <p className="muted">
        {plural(group.memberCount, 'member')} · you are {isOwner ? 'the owner' : 'a member'}
      </p>
      {isOwner && group.inviteCode && (
        <p>
          Invite code: <code data-testid="invite-code">{group.inviteCode}</code>{' '}
          <button
            type="button"
            disabled={rotate.isPending}
            onClick={() => rotate.mutate({ groupId: group.id })}
          >
            New invite code
          </button>
        </p>
      )}
      <WindowTabs value={window} onChange={setWindow} />
      <Board
        window={window}
        myUserId={myUserId}
        groupId={group.id}
        caption={`League ${group.name}`}
        action={
          isOwner
            ? {
                header: 'Member',
                cell: (entry) =>
                  entry.userId === myUserId ? null : (
                    <button
                      type="button"
                      disabled={remove.isPending}
                      aria-label={`Remove ${entry.username}`}
                      onClick={() => remove.mutate({ groupId: group.id, userId: entry.userId })}
                    >
                      Remove
                    </button>
                  ),
              }
            : undefined
        }
      />
      {failure && (
        <p role="alert" className="error">
          {errorMessage(failure)}
        </p>
      )}
      <p>
        <button type="button" disabled={leave.isPending} onClick={() => leave.mutate({ groupId: group.id })}>
          Leave league
        </button>
      </p>
    </section>
  );
}
