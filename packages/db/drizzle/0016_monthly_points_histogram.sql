-- The monthly leaderboard's histogram (active users per positive monthly total), kept exactly as the
-- weekly one is (0002_leaderboard_histogram): by a trigger on monthly_points, and by a trigger on users
-- that takes an account's monthly totals out when it is soft or hard deleted and puts them back when it
-- is restored. Accounts with deleted_at set are never counted.
--
-- Lock order, extending 0002's: the user's row first, then all-time rows, then weekly rows, then monthly
-- rows in ascending (month, points). The users trigger below is named to fire after 0002's
-- (triggers of one kind fire in name order), and recordSubmission writes monthly_points after weekly_points.

CREATE FUNCTION leaderboard_monthly_add(m date, p integer, delta integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO monthly_points_histogram AS h (month_start, points, users) VALUES (m, p, delta)
  ON CONFLICT (month_start, points) DO UPDATE SET users = h.users + excluded.users;
$$;
--> statement-breakpoint
-- Adds (delta = 1) or removes (-1) every positive monthly total of one user, in lock order.
CREATE FUNCTION leaderboard_monthly_user(uid uuid, delta integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT month_start, points FROM monthly_points WHERE user_id = uid AND points > 0 ORDER BY month_start, points
  LOOP
    PERFORM leaderboard_monthly_add(r.month_start, r.points, delta);
  END LOOP;
END;
$$;
--> statement-breakpoint
-- Soft delete or restore: the account's monthly totals leave or re-enter the monthly boards. A hard
-- delete runs BEFORE DELETE, while the monthly rows (removed by the cascade) still exist.
CREATE FUNCTION leaderboard_users_monthly_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_active boolean := false;
  new_active boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_active := OLD.deleted_at IS NULL; END IF;
  IF TG_OP <> 'DELETE' THEN new_active := NEW.deleted_at IS NULL; END IF;
  IF old_active <> new_active THEN
    PERFORM leaderboard_monthly_user(COALESCE(NEW.id, OLD.id), CASE WHEN new_active THEN 1 ELSE -1 END);
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER leaderboard_users_monthly_histogram
  AFTER UPDATE OF deleted_at ON users
  FOR EACH ROW EXECUTE FUNCTION leaderboard_users_monthly_trigger();
--> statement-breakpoint
CREATE TRIGGER leaderboard_users_monthly_histogram_delete
  BEFORE DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION leaderboard_users_monthly_trigger();
--> statement-breakpoint
CREATE FUNCTION leaderboard_monthly_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_counted boolean := false;
  new_counted boolean := false;
BEGIN
  -- Locking the user's row serialises this with a concurrent soft delete or restore of the account,
  -- so a monthly total is never counted for a deleted account nor left out for an active one. A user
  -- that is gone (hard delete cascading here) was already taken out by the users trigger.
  IF TG_OP <> 'INSERT' AND OLD.points > 0 THEN
    PERFORM 1 FROM users WHERE id = OLD.user_id AND deleted_at IS NULL FOR NO KEY UPDATE;
    old_counted := FOUND;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.points > 0 THEN
    PERFORM 1 FROM users WHERE id = NEW.user_id AND deleted_at IS NULL FOR NO KEY UPDATE;
    new_counted := FOUND;
  END IF;

  IF old_counted AND new_counted AND OLD.month_start = NEW.month_start AND OLD.points = NEW.points THEN
    RETURN NULL;
  END IF;
  IF old_counted AND new_counted AND (NEW.month_start, NEW.points) < (OLD.month_start, OLD.points) THEN
    PERFORM leaderboard_monthly_add(NEW.month_start, NEW.points, 1);
    PERFORM leaderboard_monthly_add(OLD.month_start, OLD.points, -1);
  ELSE
    IF old_counted THEN PERFORM leaderboard_monthly_add(OLD.month_start, OLD.points, -1); END IF;
    IF new_counted THEN PERFORM leaderboard_monthly_add(NEW.month_start, NEW.points, 1); END IF;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER leaderboard_monthly_histogram
  AFTER INSERT OR UPDATE OF month_start, points, user_id OR DELETE ON monthly_points
  FOR EACH ROW EXECUTE FUNCTION leaderboard_monthly_trigger();
--> statement-breakpoint
-- The current UTC month's points, from the completions paid in it (a completion's points are what it
-- paid). Only the current month: the board reads no other, and an older month would be the whole
-- completion history to sum for rows nothing shows. Deleted accounts get their rows too (a restored
-- account gets them back); the trigger above fills the histogram and leaves them out of it.
INSERT INTO monthly_points (month_start, user_id, points)
  SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date, user_id, sum(points)::int
  FROM completions
  WHERE awarded_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
  GROUP BY user_id
  HAVING sum(points) > 0
ON CONFLICT (month_start, user_id) DO NOTHING;
