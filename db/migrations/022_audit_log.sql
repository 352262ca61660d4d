-- The audit of changes: every mutation that succeeded, with the key that made it, its
-- organisation, the operation and the ids it named (never a value: no personal data, no token).
-- Append-only: a trigger refuses updates, and deletes except by the retention job, which says
-- so in its transaction (ateliers.retention).
CREATE TABLE audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    api_key_id      bigint REFERENCES api_keys (id),      -- null: anonymous, or a person's link
    organisation_id bigint REFERENCES organisations (id), -- the key's; null for anonymous and network administrators
    network_admin   boolean NOT NULL DEFAULT false,
    operation       text NOT NULL CHECK (length(operation) BETWEEN 1 AND 100),
    object_ids      text[] NOT NULL DEFAULT '{}' CHECK (cardinality(object_ids) <= 100)
);
CREATE INDEX audit_log_organisation ON audit_log (organisation_id, id);
CREATE INDEX audit_log_at ON audit_log (at);
COMMENT ON TABLE audit_log IS 'Who changed what: each successful mutation, its key and the ids it named; append-only.';

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ateliers.retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
