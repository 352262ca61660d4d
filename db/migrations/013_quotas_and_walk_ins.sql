-- A department's reserved seats may also be its limit: the Régie's departments send people on
-- working time, and each may send no more than its quota. A capped reservation (is_cap) keeps
-- its seats for the department, as any reservation does, and its people take no other seat of
-- the slot: when the quota is used up they are refused, not seated among the public. A quota
-- lasts until the slot or until the host releases it: reserveSeats refuses a release time
-- with it (a timer would lift the cap unseen).
ALTER TABLE slot_allocations ADD COLUMN is_cap boolean NOT NULL DEFAULT false;

-- A walk-in: a person who came without registration, recorded by the host during or just
-- after the slot, present at once. Seats still count; the host may seat one over capacity
-- (the capacity then grows by one) with a reason, kept here.
ALTER TABLE registrations ADD COLUMN walk_in boolean NOT NULL DEFAULT false;
ALTER TABLE registrations ADD COLUMN over_capacity_reason text
    CONSTRAINT registrations_over_capacity_reason CHECK (over_capacity_reason IS NULL
        OR length(over_capacity_reason) BETWEEN 1 AND 500 AND walk_in);
