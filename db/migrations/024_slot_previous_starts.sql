-- The starts a slot had before it was moved while the public could see it: search engines are
-- told the event was rescheduled (schema.org eventStatus EventRescheduled, previousStartDate),
-- so that someone who saw the old date learns it changed. UpdateSlot (db/slot.go) appends the old
-- start when the start changes on a public slot of a published workshop; nothing else writes it. It keeps the last 20.
ALTER TABLE slots ADD COLUMN previous_starts_at timestamptz[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN slots.previous_starts_at IS
    'Earlier starts of the slot, oldest first, each recorded when the slot moved while public (its workshop published).';
