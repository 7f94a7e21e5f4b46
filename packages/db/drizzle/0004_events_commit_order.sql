-- Real-time events get their final id, and are NOTIFYed, at commit. A sequence hands out values in
-- call order, not commit order: a subscriber that saw event 11 before event 10 committed would skip
-- 10 when it resumes "after 11". This deferred trigger runs as the transaction commits, takes a lock
-- that only committing publishers take, and renumbers the row from the same sequence, so ids are
-- commit-ordered and "everything after id N" is exactly what a client has not seen. The lock is taken
-- after every other statement of the transaction, so it cannot be part of a deadlock.
-- NOTIFY payloads must stay under 8000 bytes: a large event travels as its id and is read back.

CREATE FUNCTION events_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r events%ROWTYPE;
  message text;
BEGIN
  PERFORM pg_advisory_xact_lock(727164002);
  UPDATE events SET id = nextval(pg_get_serial_sequence('events', 'id'))
    WHERE id = NEW.id
    RETURNING * INTO r;
  message := json_build_object(
    'id', r.id,
    'event', json_build_object(
      'id', r.id, 'type', r.type, 'userId', r.user_id, 'payload', r.payload, 'createdAt', r.created_at
    )
  )::text;
  IF octet_length(message) > 7000 THEN
    message := json_build_object('id', r.id)::text;
  END IF;
  PERFORM pg_notify('skillbytes_events', message);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER events_commit_order
  AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION events_commit_order();
