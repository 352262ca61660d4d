-- The funder's report counts people, not seats: unique and first-time participants. Names and
-- contacts are anonymised after six months, so the report cannot tell people apart by them.
-- person_key is a random identifier given at registration: the key of the person's earlier
-- registrations still holding their data (the duplicate rule: same names, case aside, and the
-- same phone, or email case aside), anywhere in the network, or a new one. Drawn at random, it
-- links a person's seats and nothing else: once names and contacts are gone, it points at nobody.
-- A person who comes back after their data was anonymised gets a new key (counted anew).
ALTER TABLE registrations ADD COLUMN person_key uuid;
COMMENT ON COLUMN registrations.person_key IS
    'Random identifier shared by one person''s registrations (the duplicate rule), kept by anonymisation for the counts of people.';

-- The lookups of the duplicate rule, on the data still held.
CREATE INDEX registrations_phone_held ON registrations (phone) WHERE anonymised_at IS NULL AND phone IS NOT NULL;
CREATE INDEX registrations_email_held ON registrations (lower(email)) WHERE anonymised_at IS NULL AND email IS NOT NULL;

CREATE FUNCTION registration_person_key(reg registrations) RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT o.person_key FROM registrations o
    WHERE o.anonymised_at IS NULL AND o.person_key IS NOT NULL AND o.id IS DISTINCT FROM reg.id
      AND ((reg.phone IS NOT NULL AND o.phone = reg.phone) OR (reg.email IS NOT NULL AND lower(o.email) = lower(reg.email)))
      AND lower(coalesce(o.first_name, '')) = lower(coalesce(reg.first_name, ''))
      AND lower(coalesce(o.last_name, '')) = lower(coalesce(reg.last_name, ''))
    ORDER BY o.id LIMIT 1
$$;

-- Registrations made before this migration, oldest first, so that a person's seats share the
-- key of their first; anonymised ones are each their own person (nothing left to tell).
DO $$
DECLARE
    reg registrations;
BEGIN
    FOR reg IN SELECT * FROM registrations ORDER BY id LOOP
        UPDATE registrations SET person_key = CASE
                WHEN reg.anonymised_at IS NULL THEN coalesce(registration_person_key(reg), gen_random_uuid())
                ELSE gen_random_uuid() END
            WHERE id = reg.id;
    END LOOP;
END $$;

CREATE FUNCTION set_registration_person_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.person_key IS NULL THEN
        NEW.person_key := coalesce(registration_person_key(NEW), gen_random_uuid());
    END IF;
    RETURN NEW;
END $$;

-- Every path that writes a registration (booking, walk-in, reschedule, tests) gets its key here.
CREATE TRIGGER registrations_person_key BEFORE INSERT ON registrations
    FOR EACH ROW EXECUTE FUNCTION set_registration_person_key();

ALTER TABLE registrations ALTER COLUMN person_key SET NOT NULL;
CREATE INDEX registrations_person_key ON registrations (person_key);
