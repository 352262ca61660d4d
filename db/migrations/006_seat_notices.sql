-- A change of seats names its slot in its notice (the payload is the slot's id), so that a
-- page cache forgets only the pages that show that slot, and those chosen by free seats
-- (availableOnly): registrations flow all day, and forgetting every page at each one would
-- leave little to keep. Any other change still says '' (anything may have changed).
--
-- Seats live in slots' counters (seats_taken, waitlist_length, seats_reserved), which every
-- registration, cancellation, promotion and allocation updates in its transaction; the
-- registrations themselves are never shown to an anonymous caller, so they need no notice.
CREATE FUNCTION notify_slot_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (to_jsonb(OLD) - 'seats_taken' - 'waitlist_length' - 'seats_reserved')
		= (to_jsonb(NEW) - 'seats_taken' - 'waitlist_length' - 'seats_reserved') THEN
		PERFORM pg_notify('ateliers_catalogue', NEW.id::text);
	ELSE
		PERFORM pg_notify('ateliers_catalogue', '');
	END IF;
	RETURN NULL;
END $$;

CREATE FUNCTION notify_allocation_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('ateliers_catalogue', coalesce(NEW.slot_id, OLD.slot_id)::text);
	RETURN NULL;
END $$;

DROP TRIGGER slots_changed ON slots;
CREATE TRIGGER slots_written AFTER INSERT OR DELETE OR TRUNCATE ON slots
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER slots_updated AFTER UPDATE ON slots
	FOR EACH ROW EXECUTE FUNCTION notify_slot_update();

DROP TRIGGER slot_allocations_changed ON slot_allocations;
CREATE TRIGGER slot_allocations_changed AFTER INSERT OR UPDATE OR DELETE ON slot_allocations
	FOR EACH ROW EXECUTE FUNCTION notify_allocation_change();
CREATE TRIGGER slot_allocations_truncated AFTER TRUNCATE ON slot_allocations
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();

DROP TRIGGER registrations_changed ON registrations;
