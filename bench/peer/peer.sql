-- What PostGraphile, the bench's peer (bench/peer.go), needs in the dataset's database to
-- answer the API's availability search and slot fetch. The bench runs this file before it
-- starts the peer, on every run (-reuse included): every statement can run again.
--
-- The rules are the API's for an anonymous caller, copied from db/slot.go (Slots, slotWhere,
-- slotVisible, VisibleSlot, Slot.SeatsLeft, Slot.IsOpenForRegistration) and db/where.go
-- (near): a change there must be made here too, and the bench's equivalence check (every
-- search and slot fetch answered by both, compared field by field) fails until it is.

-- peer_search_slots is Query.slots(filter, first: 50) for an anonymous caller. Like the API
-- (db.where), it builds its statement from fixed fragments for the filters given, so that
-- PostgreSQL plans each combination of filters, with its values, on its own indexes: EXECUTE
-- plans anew each time, as the API's unnamed statement is. A static statement with
-- `$n IS NULL OR ...` for every filter would be planned once for all values, and the
-- search's plan depends on how selective a postal code or a topic is.
--
-- It returns 51 rows at most, the API's LIMIT (first + 1): asked for first: 50, PostGraphile
-- then gives 50 edges and hasNextPage when a 51st exists, as the API does.
CREATE OR REPLACE FUNCTION peer_search_slots(
	starts_from timestamptz,
	starts_before timestamptz DEFAULT NULL,
	topics text[] DEFAULT NULL,
	postal_codes text[] DEFAULT NULL,
	near_latitude double precision DEFAULT NULL,
	near_longitude double precision DEFAULT NULL,
	near_radius_km double precision DEFAULT NULL
) RETURNS SETOF slots LANGUAGE plpgsql STABLE AS $fn$
DECLARE
	-- slotVisible for an anonymous caller: organisation 0 (none), not a partner.
	q text := 'SELECT s.* FROM slots s JOIN workshops w ON w.id = s.workshop_id JOIN venues v ON v.id = s.venue_id '
		'WHERE (s.organisation_id = $1 OR (w.status = ''PUBLISHED'' AND '
		'(s.visibility = ''PUBLIC'' OR (s.visibility = ''PARTNERS'' AND $2::boolean)))) '
		'AND s.starts_at >= $3 AND s.status = ANY($4::text[])';
	earth_radius_km CONSTANT double precision := 6371;
	d_lat double precision;
	d_lon double precision;
	d double precision;
	phi double precision;
	x double precision;
BEGIN
	IF starts_from IS NULL THEN
		starts_from := now(); -- the API's default
	END IF;
	IF starts_before IS NOT NULL THEN
		q := q || ' AND s.starts_at < $5';
	END IF;
	IF cardinality(topics) > 0 THEN
		q := q || ' AND w.topics && $6::text[]';
	END IF;
	IF cardinality(postal_codes) > 0 THEN
		q := q || ' AND v.postal_code = ANY($7)';
	END IF;
	IF near_latitude IS NOT NULL AND near_longitude IS NOT NULL AND near_radius_km IS NOT NULL THEN
		-- db/where.go near: a box an index can use, then the great-circle distance.
		d_lat := near_radius_km / (earth_radius_km * pi() / 180);
		q := q || ' AND v.latitude BETWEEN $8 AND $9';
		d := near_radius_km / earth_radius_km;
		phi := near_latitude * pi() / 180;
		x := sin(d) / cos(phi);
		IF x < 1 THEN
			d_lon := asin(x) * 180 / pi() + 1e-9;
			IF near_longitude - d_lon >= -180 AND near_longitude + d_lon <= 180 THEN
				q := q || ' AND v.longitude BETWEEN $10 AND $11';
			END IF;
		END IF;
		q := q || ' AND 6371 * 2 * asin(sqrt(power(sin(radians(v.latitude - $12) / 2), 2)'
			' + cos(radians($12)) * cos(radians(v.latitude)) * power(sin(radians(v.longitude - $13) / 2), 2))) <= $14';
	END IF;
	q := q || ' ORDER BY s.starts_at, s.id LIMIT 51';
	RETURN QUERY EXECUTE q USING 0::bigint, false, starts_from, ARRAY['SCHEDULED']::text[],
		starts_before, topics, postal_codes,
		near_latitude - d_lat, near_latitude + d_lat, near_longitude - d_lon, near_longitude + d_lon,
		near_latitude, near_longitude, near_radius_km;
END
$fn$;

-- peer_slot is Query.node(id) for a slot and an anonymous caller (db.VisibleSlot): the slot,
-- or null when the caller may not see it.
CREATE OR REPLACE FUNCTION peer_slot(id bigint) RETURNS slots LANGUAGE sql STABLE AS $fn$
	SELECT s.* FROM slots s JOIN workshops w ON w.id = s.workshop_id JOIN venues v ON v.id = s.venue_id
	WHERE (s.organisation_id = 0 OR (w.status = 'PUBLISHED' AND
		(s.visibility = 'PUBLIC' OR (s.visibility = 'PARTNERS' AND false))))
		AND s.id = peer_slot.id
$fn$;

-- Slot.seatsLeft for an anonymous caller (db.Slot.SeatsLeft; a caller without an organisation
-- has no reserved seats of its own).
CREATE OR REPLACE FUNCTION slots_seats_left(s slots) RETURNS integer LANGUAGE sql STABLE AS $fn$
	SELECT CASE WHEN s.status = 'CANCELLED' THEN 0 ELSE greatest(s.capacity - s.seats_taken - s.seats_reserved, 0) END
$fn$;

-- Slot.isOpenForRegistration (db.Slot.IsOpenForRegistration): scheduled, and now inside the
-- registration window.
CREATE OR REPLACE FUNCTION slots_is_open_for_registration(s slots) RETURNS boolean LANGUAGE sql STABLE AS $fn$
	SELECT s.status <> 'CANCELLED' AND (s.registration_opens_at IS NULL OR now() >= s.registration_opens_at)
		AND now() < s.registration_closes_at
$fn$;
