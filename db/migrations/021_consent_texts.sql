-- Consent texts: what a person reads before registering, versioned per organisation, so that a
-- registration's consent_version names a text that exists and can be shown again. A published
-- version never changes (a new text is a new version).
CREATE TABLE consent_texts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    version         text NOT NULL CHECK (length(version) BETWEEN 1 AND 50),
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
    published_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consent_texts_version UNIQUE (organisation_id, version)
);
COMMENT ON TABLE consent_texts IS 'The consent texts of an organisation, by version: a registration on its slots names one of them once it has any.';
