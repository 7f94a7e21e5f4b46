/**
 * Every achievement, in the order `achievements.list` answers. Ids are stable (stored in
 * user_achievements and read by the frontend); titles and descriptions are shown as they are.
 */
export const ACHIEVEMENTS = [
  { id: 'first_solve', title: 'First solve', description: 'Solve your first challenge.' },
  { id: 'streak_7', title: 'One week', description: 'Reach a 7-day streak.' },
  { id: 'streak_30', title: 'One month', description: 'Reach a 30-day streak.' },
  { id: 'streak_100', title: 'Hundred days', description: 'Reach a 100-day streak.' },
  { id: 'solves_10', title: 'Ten solved', description: 'Solve 10 challenges.' },
  { id: 'solves_50', title: 'Fifty solved', description: 'Solve 50 challenges.' },
  { id: 'solves_100', title: 'A hundred solved', description: 'Solve 100 challenges.' },
  {
    id: 'all_difficulties',
    title: 'All-rounder',
    description: 'Solve a challenge at every difficulty: beginner, easy, medium and hard.',
  },
  { id: 'first_typescript', title: 'Typed', description: 'Solve a challenge in TypeScript.' },
] as const;

export type AchievementId = (typeof ACHIEVEMENTS)[number]['id'];

/** The streak lengths and solve counts that earn an achievement. */
export const STREAK_ACHIEVEMENTS = [
  [7, 'streak_7'],
  [30, 'streak_30'],
  [100, 'streak_100'],
] as const satisfies readonly (readonly [number, AchievementId])[];
export const SOLVE_ACHIEVEMENTS = [
  [1, 'first_solve'],
  [10, 'solves_10'],
  [50, 'solves_50'],
  [100, 'solves_100'],
] as const satisfies readonly (readonly [number, AchievementId])[];

export type Achievement = {
  id: AchievementId;
  title: string;
  description: string;
  /** When the user earned it, null while they have not. */
  earnedAt: Date | null;
};
