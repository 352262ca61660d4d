-- A host finds a person's history among its own registrations by phone, email or name, the
-- name compared without accents or case ("Awa Diallo" finds "AWA DIALLO" and "Awa Diallô").
CREATE EXTENSION IF NOT EXISTS unaccent;

-- Who read personal data, and whose: every search of a person's history is recorded with the
-- key that made it and the registrations it returned (ids only: the search terms are personal
-- data themselves). The audit of personal data (issue 16) reads and extends this table.
CREATE TABLE personal_data_reads (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    read_at          timestamptz NOT NULL DEFAULT now(),
    api_key_id       bigint NOT NULL REFERENCES api_keys (id),
    organisation_id  bigint NOT NULL REFERENCES organisations (id),
    operation        text NOT NULL CONSTRAINT personal_data_reads_operation_length CHECK (length(operation) <= 100),
    registration_ids bigint[] NOT NULL
);
CREATE INDEX personal_data_reads_organisation ON personal_data_reads (organisation_id, read_at);
