-- A household shares a phone: the duplicate rule is "the same person twice on a slot", not "the
-- same phone twice". A person is their contact and their name (without case): the mother and
-- her son who share one mobile may both take a seat; the same person registered twice may not.
DROP INDEX registrations_active_phone;
DROP INDEX registrations_active_email;
CREATE UNIQUE INDEX registrations_active_phone ON registrations (slot_id, phone,
    lower(coalesce(first_name, '')), lower(coalesce(last_name, '')))
    WHERE status <> 'CANCELLED' AND phone IS NOT NULL;
CREATE UNIQUE INDEX registrations_active_email ON registrations (slot_id, lower(email),
    lower(coalesce(first_name, '')), lower(coalesce(last_name, '')))
    WHERE status <> 'CANCELLED' AND email IS NOT NULL;
