-- The `near` filter of the availability query bounds venues by a box of latitude and
-- longitude before it computes distances (db/where.go): without an index it read every venue,
-- 20,000 at national scale, on every search around a place.
CREATE INDEX venues_location ON venues (latitude, longitude);
