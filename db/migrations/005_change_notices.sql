-- Every write to what an anonymous availability search can show sends a notice on the channel
-- ateliers_catalogue, at commit, to every API instance listening: their caches of pages
-- (graph/pagecache.go) drop what they hold. Statement-level triggers, and one payload for
-- all: PostgreSQL sends a transaction's identical notices once, so a registration, which
-- writes a registration, its slot's counters and an event, costs one notice.
CREATE FUNCTION notify_catalogue_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('ateliers_catalogue', '');
	RETURN NULL;
END $$;

CREATE TRIGGER organisations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER venues_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON venues
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER workshops_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON workshops
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER programmes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON programmes
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER programme_workshops_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON programme_workshops
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER slots_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON slots
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER slot_allocations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON slot_allocations
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER registrations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON registrations
	FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
