-- Achievements for what users did before achievements existed, read from their completions (no inbox
-- messages: they would announce old news all at once). Each earned_at is when the rule was first met:
-- the Nth completion for solve counts, the first TypeScript completion, the first solve of the last
-- difficulty reached, the first completion on the Nth consecutive local day of a run (completions.day).
-- A best streak the completions cannot show (imported with the account) counts from this migration.
-- ON CONFLICT DO NOTHING: running it again, or after awards were made, changes nothing.
INSERT INTO "user_achievements" ("user_id", "achievement_id", "earned_at")
SELECT n.user_id, t.id, n.awarded_at
FROM (
  SELECT user_id, awarded_at, row_number() OVER (PARTITION BY user_id ORDER BY awarded_at, challenge_id) AS nth
  FROM "completions"
) n
JOIN (VALUES (1, 'first_solve'), (10, 'solves_10'), (50, 'solves_50'), (100, 'solves_100')) AS t(nth, id)
  ON t.nth = n.nth
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "user_achievements" ("user_id", "achievement_id", "earned_at")
SELECT cp.user_id, 'first_typescript', min(cp.awarded_at)
FROM "completions" cp
JOIN "submissions" s ON s.id = cp.submission_id
WHERE s.language = 'typescript'
GROUP BY cp.user_id
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "user_achievements" ("user_id", "achievement_id", "earned_at")
SELECT per.user_id, 'all_difficulties', max(per.first_at)
FROM (
  SELECT cp.user_id, c.difficulty, min(cp.awarded_at) AS first_at
  FROM "completions" cp
  JOIN "challenges" c ON c.id = cp.challenge_id
  GROUP BY cp.user_id, c.difficulty
) per
GROUP BY per.user_id
HAVING count(DISTINCT per.difficulty) = 4
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "user_achievements" ("user_id", "achievement_id", "earned_at")
SELECT runs.user_id, t.id, min(runs.first_at)
FROM (
  SELECT d.user_id, d.first_at,
    row_number() OVER (PARTITION BY d.user_id, d.island ORDER BY d.day) AS run_length
  FROM (
    SELECT user_id, day, first_at,
      day - (row_number() OVER (PARTITION BY user_id ORDER BY day))::int AS island
    FROM (
      SELECT user_id, day, min(awarded_at) AS first_at FROM "completions" GROUP BY user_id, day
    ) days
  ) d
) runs
JOIN (VALUES (7, 'streak_7'), (30, 'streak_30'), (100, 'streak_100')) AS t(len, id)
  ON runs.run_length = t.len
GROUP BY runs.user_id, t.id
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "user_achievements" ("user_id", "achievement_id", "earned_at")
SELECT u.id, t.id, now()
FROM "users" u
JOIN (VALUES (7, 'streak_7'), (30, 'streak_30'), (100, 'streak_100')) AS t(len, id)
  ON u.best_streak >= t.len
ON CONFLICT DO NOTHING;
