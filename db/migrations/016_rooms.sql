-- Rooms of a venue, and no two slots in one place at overlapping times.
--
-- A venue may have rooms (salles); a slot may name a room of its venue. Two scheduled slots
-- in the same room whose times overlap are refused, and so are two scheduled slots without a
-- room at the same venue (the venue is then one place), unless the host said a slot may
-- overlap (allow_overlap). Exclusion constraints hold the rule whatever the concurrency: of
-- two transactions scheduling in one place at once, the second waits for the first and fails.
-- btree_gist gives GiST the = of bigint; it is a trusted extension (PostgreSQL 13+), so a
-- database owner may create it, and it ships with the server package scripts/postgres.sh
-- installs.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE rooms (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id    bigint NOT NULL REFERENCES venues (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    archived_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- The target of slots' (room_id, venue_id) foreign key: a slot's room is of its venue.
    CONSTRAINT rooms_id_venue UNIQUE (id, venue_id)
);
CREATE INDEX rooms_venue_id ON rooms (venue_id, name, id);
COMMENT ON TABLE rooms IS 'Rooms (salles) of a venue: a slot in a room overlaps only slots in that room.';

ALTER TABLE slots
    ADD COLUMN room_id bigint,
    ADD COLUMN allow_overlap boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT slots_room_of_venue FOREIGN KEY (room_id, venue_id) REFERENCES rooms (id, venue_id);
COMMENT ON COLUMN slots.room_id IS 'The room of the venue the slot takes; NULL: the venue as one place.';
COMMENT ON COLUMN slots.allow_overlap IS 'The host let this slot overlap others in its place: no overlap rule applies to it.';

-- Slots that already overlap stay valid: of each overlapping pair, the later-created slot is
-- marked as allowed to overlap (existing slots have no room yet, so their place is the venue).
UPDATE slots s SET allow_overlap = true
WHERE s.status <> 'CANCELLED' AND EXISTS (
    SELECT 1 FROM slots o
    WHERE o.venue_id = s.venue_id AND o.id < s.id AND o.status <> 'CANCELLED'
      AND tstzrange(o.starts_at, o.ends_at) && tstzrange(s.starts_at, s.ends_at));

ALTER TABLE slots
    ADD CONSTRAINT slots_no_overlap_in_room EXCLUDE USING gist
        (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (room_id IS NOT NULL AND status <> 'CANCELLED' AND NOT allow_overlap),
    ADD CONSTRAINT slots_no_overlap_at_venue EXCLUDE USING gist
        (venue_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (room_id IS NULL AND status <> 'CANCELLED' AND NOT allow_overlap);
