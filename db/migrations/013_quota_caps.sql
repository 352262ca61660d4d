-- A department's reserved seats may also be its limit: the Régie's departments send people on
-- working time, and each may send no more than its quota. A capped reservation (is_cap) keeps
-- its seats for the department, as any reservation does, and its people take no other seat of
-- the slot: when the quota is used up they are refused, not seated among the public. A quota
-- lasts until the slot or until the host releases it: reserveSeats refuses a release time
-- with it (a timer would lift the cap unseen).
ALTER TABLE slot_allocations ADD COLUMN is_cap boolean NOT NULL DEFAULT false;
