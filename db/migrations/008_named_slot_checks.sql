-- The slot CHECKs written without a name got PostgreSQL's (slots_check, slots_check1...): a
-- violation then says nothing, and a test cannot tell which rule held. Named for their rule.
ALTER TABLE slots RENAME CONSTRAINT slots_check TO slots_seats_taken_within_capacity;
ALTER TABLE slots RENAME CONSTRAINT slots_check1 TO slots_ends_after_start;
ALTER TABLE slots RENAME CONSTRAINT slots_check2 TO slots_registration_closes_by_start;
ALTER TABLE slots RENAME CONSTRAINT slots_check3 TO slots_registration_opens_before_close;
ALTER TABLE slots RENAME CONSTRAINT slots_check4 TO slots_cancelled_at_with_status;
