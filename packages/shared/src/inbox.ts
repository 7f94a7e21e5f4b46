import { z } from 'zod';
import { Username } from './auth.ts';
import { LIMITS } from './limits.ts';
import { text } from './text.ts';

export const HexColor = text().regex(/^#[0-9a-fA-F]{6}$/, 'Use a hex colour like #2821fc');

export const MessageAudience = z.union([
  z.object({ everyone: z.literal(true) }).strict(),
  z.object({ userId: z.uuid() }).strict(),
  z.object({ username: Username }).strict(),
]);
export type MessageAudience = z.infer<typeof MessageAudience>;

export const SendMessageInput = z
  .object({
    content: text().trim().min(1).max(LIMITS.messageMax),
    icon: text().trim().min(1).max(16).default('📢'),
    bannerColor: HexColor.default('#2821fc'),
    to: MessageAudience,
  })
  .strict();
export type SendMessageInput = z.input<typeof SendMessageInput>;

export const MarkReadInput = z.union([
  z.object({ ids: z.array(z.uuid()).min(1).max(LIMITS.pageMax) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);
export type MarkReadInput = z.input<typeof MarkReadInput>;

/** Resumable subscriptions: tRPC fills `lastEventId` from the SSE Last-Event-ID on reconnect. */
export const SubscriptionInput = z
  .object({
    lastEventId: text()
      .regex(/^\d{1,15}$/, 'lastEventId must be an event id sent by this server')
      .nullish(),
  })
  .strict()
  .optional();

/** A message as its recipient sees it. */
export type InboxItem = {
  id: string;
  content: string;
  icon: string;
  bannerColor: string;
  createdAt: Date;
  /** Sent to everyone (rather than to this user alone). */
  isBroadcast: boolean;
  isRead: boolean;
};
