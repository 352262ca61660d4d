-- Retention by purpose (db/retention.go): a periodic job anonymises what is past its period.
-- An orientation's reason tells of a person's situation: it goes with the follow-up details,
-- and the row stays, for the figures of who sent whom where.
ALTER TABLE orientations ALTER COLUMN reason DROP NOT NULL,
    ADD CONSTRAINT orientations_reason_kept CHECK (reason IS NOT NULL OR anonymised_at IS NOT NULL);

-- When the follow-up details (referral, notes, reasons) were removed, as anonymised_at says for
-- names and contacts.
ALTER TABLE registrations ADD COLUMN follow_up_removed_at timestamptz;
ALTER TABLE equipment_handovers ADD COLUMN notes_removed_at timestamptz;

-- The job walks what is still to anonymise, by the end of its slot.
CREATE INDEX registrations_not_anonymised ON registrations (slot_id) WHERE anonymised_at IS NULL;
CREATE INDEX registrations_follow_up_kept ON registrations (slot_id) WHERE follow_up_removed_at IS NULL;
CREATE INDEX personal_data_reads_read_at ON personal_data_reads (read_at);
