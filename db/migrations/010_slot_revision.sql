-- A slot's revision counts the changes a calendar must show: its time, its venue, its status.
-- Calendar feeds give it as the event's SEQUENCE (RFC 5545), which calendar apps compare to
-- decide that an event they hold has changed. A trigger keeps it, so that every write path
-- (updateSlot, cancelSlot, and whatever comes) raises it, and only for those changes: seats
-- taken or capacity do not move an event.
ALTER TABLE slots ADD COLUMN revision integer NOT NULL DEFAULT 0;

CREATE FUNCTION slots_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.starts_at, NEW.ends_at, NEW.venue_id, NEW.status)
        IS DISTINCT FROM (OLD.starts_at, OLD.ends_at, OLD.venue_id, OLD.status) THEN
        NEW.revision := OLD.revision + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER slots_revision BEFORE UPDATE ON slots
    FOR EACH ROW EXECUTE FUNCTION slots_revision();
