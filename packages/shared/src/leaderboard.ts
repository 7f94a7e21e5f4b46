import { z } from 'zod';
import { LeaderboardWindow } from './enums.ts';
import { Cursor } from './pagination.ts';
import { LIMITS } from './limits.ts';

export const LeaderboardTopInput = z
  .object({
    window: LeaderboardWindow.default('all'),
    cursor: Cursor.nullish(),
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict();
export type LeaderboardTopInput = z.input<typeof LeaderboardTopInput>;

export const LeaderboardMeInput = z.object({ window: LeaderboardWindow.default('all') }).strict();
export type LeaderboardMeInput = z.input<typeof LeaderboardMeInput>;

export type LeaderboardEntry = { rank: number; userId: string; username: string; points: number };
