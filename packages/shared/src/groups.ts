import { z } from 'zod';
import { text } from './text.ts';

/** C0 and C1 control characters (tabs and newlines included): a league name is one line of text. */
const CONTROL = /\p{Cc}/u;

/** A league name: trimmed, 1–60 characters, storable, no control characters. */
export const GroupName = text()
  .trim()
  .min(1)
  .max(60)
  .refine((s) => !CONTROL.test(s), { message: 'Must not contain control characters' });

/** Invite codes are base64url (see groups/invites.ts); anything else cannot be one. */
export const InviteCode = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'Not an invite code' });

export const CreateGroupInput = z.object({ name: GroupName }).strict();
export type CreateGroupInput = z.input<typeof CreateGroupInput>;

export const JoinGroupInput = z.object({ inviteCode: InviteCode }).strict();
export type JoinGroupInput = z.input<typeof JoinGroupInput>;

export const GroupIdInput = z.object({ groupId: z.uuid() }).strict();
export type GroupIdInput = z.input<typeof GroupIdInput>;

export const RemoveMemberInput = z.object({ groupId: z.uuid(), userId: z.uuid() }).strict();
export type RemoveMemberInput = z.input<typeof RemoveMemberInput>;

export type GroupRole = 'owner' | 'member';

/** What `groups.create` and `groups.rotateInvite` answer (only the owner sees the code). */
export type GroupInvite = { id: string; name: string; inviteCode: string };

/** One of the caller's groups in `groups.list`; `inviteCode` only for the owner. */
export type GroupSummary = {
  id: string;
  name: string;
  role: GroupRole;
  memberCount: number;
  inviteCode: string | null;
  joinedAt: Date;
};
