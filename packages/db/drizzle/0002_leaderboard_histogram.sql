-- Leaderboard histograms: how many active users hold each positive points total (all time, and per
-- week). `leaderboard.me` ranks a user as 1 + the users with more points, summed from these tables in
-- O(distinct totals) instead of counting users. They change in the same transaction as the points,
-- through the triggers below; accounts with deleted_at set are not counted.
--
-- Lock order, so that concurrent transactions cannot deadlock on histogram rows: the user's row first
-- (every writer of points already holds it, and the weekly trigger takes it), then all-time rows in
-- ascending points, then weekly rows in ascending (week, points).

CREATE FUNCTION leaderboard_points_add(p integer, delta integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO points_histogram AS h (points, users) VALUES (p, delta)
  ON CONFLICT (points) DO UPDATE SET users = h.users + excluded.users;
$$;
--> statement-breakpoint
CREATE FUNCTION leaderboard_weekly_add(w date, p integer, delta integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO weekly_points_histogram AS h (week_start, points, users) VALUES (w, p, delta)
  ON CONFLICT (week_start, points) DO UPDATE SET users = h.users + excluded.users;
$$;
--> statement-breakpoint
-- Adds (delta = 1) or removes (-1) every positive weekly total of one user, in lock order.
CREATE FUNCTION leaderboard_weekly_user(uid uuid, delta integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT week_start, points FROM weekly_points WHERE user_id = uid AND points > 0 ORDER BY week_start, points
  LOOP
    PERFORM leaderboard_weekly_add(r.week_start, r.points, delta);
  END LOOP;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION leaderboard_users_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_active boolean := false;
  new_active boolean := false;
  old_points integer := 0;
  new_points integer := 0;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_active := OLD.deleted_at IS NULL;
    IF old_active THEN old_points := OLD.points; END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_active := NEW.deleted_at IS NULL;
    IF new_active THEN new_points := NEW.points; END IF;
  END IF;

  IF old_points <> new_points THEN
    IF old_points > 0 AND (new_points = 0 OR old_points < new_points) THEN
      PERFORM leaderboard_points_add(old_points, -1);
      IF new_points > 0 THEN PERFORM leaderboard_points_add(new_points, 1); END IF;
    ELSE
      IF new_points > 0 THEN PERFORM leaderboard_points_add(new_points, 1); END IF;
      IF old_points > 0 THEN PERFORM leaderboard_points_add(old_points, -1); END IF;
    END IF;
  END IF;

  -- Soft delete or restore: the account's weekly totals leave or re-enter the weekly boards. A hard
  -- delete runs BEFORE DELETE, while the weekly rows (removed by the cascade) still exist.
  IF old_active <> new_active THEN
    PERFORM leaderboard_weekly_user(COALESCE(NEW.id, OLD.id), CASE WHEN new_active THEN 1 ELSE -1 END);
  END IF;

  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER leaderboard_users_histogram
  AFTER INSERT OR UPDATE OF points, deleted_at ON users
  FOR EACH ROW EXECUTE FUNCTION leaderboard_users_trigger();
--> statement-breakpoint
CREATE TRIGGER leaderboard_users_histogram_delete
  BEFORE DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION leaderboard_users_trigger();
--> statement-breakpoint
CREATE FUNCTION leaderboard_weekly_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_counted boolean := false;
  new_counted boolean := false;
BEGIN
  -- Locking the user's row serialises this with a concurrent soft delete or restore of the account,
  -- so a weekly total is never counted for a deleted account nor left out for an active one. A user
  -- that is gone (hard delete cascading here) was already taken out by the users trigger.
  IF TG_OP <> 'INSERT' AND OLD.points > 0 THEN
    PERFORM 1 FROM users WHERE id = OLD.user_id AND deleted_at IS NULL FOR NO KEY UPDATE;
    old_counted := FOUND;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.points > 0 THEN
    PERFORM 1 FROM users WHERE id = NEW.user_id AND deleted_at IS NULL FOR NO KEY UPDATE;
    new_counted := FOUND;
  END IF;

  IF old_counted AND new_counted AND OLD.week_start = NEW.week_start AND OLD.points = NEW.points THEN
    RETURN NULL;
  END IF;
  IF old_counted AND new_counted AND (NEW.week_start, NEW.points) < (OLD.week_start, OLD.points) THEN
    PERFORM leaderboard_weekly_add(NEW.week_start, NEW.points, 1);
    PERFORM leaderboard_weekly_add(OLD.week_start, OLD.points, -1);
  ELSE
    IF old_counted THEN PERFORM leaderboard_weekly_add(OLD.week_start, OLD.points, -1); END IF;
    IF new_counted THEN PERFORM leaderboard_weekly_add(NEW.week_start, NEW.points, 1); END IF;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER leaderboard_weekly_histogram
  AFTER INSERT OR UPDATE OF week_start, points, user_id OR DELETE ON weekly_points
  FOR EACH ROW EXECUTE FUNCTION leaderboard_weekly_trigger();
--> statement-breakpoint
-- Rows already there when this migration runs.
INSERT INTO points_histogram (points, users)
  SELECT points, count(*) FROM users WHERE deleted_at IS NULL AND points > 0 GROUP BY points;
--> statement-breakpoint
INSERT INTO weekly_points_histogram (week_start, points, users)
  SELECT w.week_start, w.points, count(*)
  FROM weekly_points w JOIN users u ON u.id = w.user_id
  WHERE u.deleted_at IS NULL AND w.points > 0
  GROUP BY w.week_start, w.points;
