-- Streak days of the completions made before streak_days existed: one `solved` row per user and local
-- day, its `streak` the length of the run of consecutive days it ends (gaps and islands: within a run,
-- day minus its row number is constant). No freezes existed then, so none were earned or spent.
insert into streak_days (user_id, day, kind, streak, freezes, earned_freeze)
select user_id, day, 'solved',
       row_number() over (partition by user_id, island order by day)::int,
       0, false
from (
  select user_id, day, day - (row_number() over (partition by user_id order by day))::int as island
  from (select distinct user_id, day from completions) as solved_days
) as runs
on conflict (user_id, day) do nothing;
--> statement-breakpoint
-- The run that earns freezes starts with the streak as it stands: its next 7th day earns the first one.
update users set solved_run = current_streak where current_streak > 0;
