-- What the national "lieux de médiation numérique" standard (LMN, schema v1.0.2, lmn/schema.json)
-- says of a venue and venues lacked, so that the network publishes its venues as open data and
-- imports its partners' files. Enumerated lists are text arrays holding the GraphQL enum names
-- (db/enums.go); the standard's French labels are the lmn package's mapping, not stored.

ALTER TABLE venues
    -- The record's `id`: the key an import upserts by. A venue created here gets a UUID, as the
    -- standard suggests; an imported one keeps its producer's id.
    ADD COLUMN open_data_id text NOT NULL DEFAULT gen_random_uuid()::text
        CONSTRAINT venues_open_data_id_text CHECK (length(open_data_id) BETWEEN 1 AND 200 AND open_data_id !~ '[[:cntrl:]]'),
    -- `pivot` when the venue's SIRET (or RNA, RIDET) is not its organisation's.
    ADD COLUMN pivot text CONSTRAINT venues_pivot_format CHECK (pivot ~ '^[a-zA-Z0-9]{9,14}$'),
    -- `source`: who collected the data of an imported venue.
    ADD COLUMN open_data_source text CONSTRAINT venues_open_data_source_length CHECK (length(open_data_source) BETWEEN 1 AND 200),
    -- `date_maj` of an imported venue; NULL once it is edited here (updated_at then says).
    ADD COLUMN source_updated_on date,
    ADD COLUMN summary text NOT NULL DEFAULT '' CONSTRAINT venues_summary_length CHECK (length(summary) <= 280),
    ADD COLUMN description text NOT NULL DEFAULT '' CONSTRAINT venues_description_length CHECK (length(description) <= 5000),
    ADD COLUMN website text CONSTRAINT venues_website_length CHECK (length(website) <= 2000),
    ADD COLUMN acces_libre_url text CONSTRAINT venues_acces_libre_url_length CHECK (length(acces_libre_url) <= 2000),
    ADD COLUMN booking_url text CONSTRAINT venues_booking_url_length CHECK (length(booking_url) <= 2000),
    ADD COLUMN services text[] NOT NULL DEFAULT '{}' CONSTRAINT venues_services_known CHECK (services <@ ARRAY[
        'ADMINISTRATIVE_PROCEDURES', 'EVERYDAY_DIGITAL_TOOLS', 'JOB_INSERTION', 'SAFE_DIGITAL_USE',
        'PARENTING_AND_EDUCATION', 'LEISURE_AND_CREATION', 'UNDERSTANDING_DIGITAL_WORLD',
        'INTERNET_AND_EQUIPMENT_ACCESS', 'AFFORDABLE_EQUIPMENT']),
    ADD COLUMN specific_audiences text[] NOT NULL DEFAULT '{}' CONSTRAINT venues_specific_audiences_known CHECK (specific_audiences <@ ARRAY[
        'YOUNG_PEOPLE', 'STUDENTS', 'FAMILIES', 'SENIORS', 'WOMEN']),
    ADD COLUMN specific_support text[] NOT NULL DEFAULT '{}' CONSTRAINT venues_specific_support_known CHECK (specific_support <@ ARRAY[
        'DEAFNESS', 'MOTOR_DISABILITY', 'MENTAL_DISABILITY', 'ILLITERACY', 'ENGLISH', 'OTHER_LANGUAGES', 'VISUAL_IMPAIRMENT']),
    ADD COLUMN fees text[] NOT NULL DEFAULT '{}' CONSTRAINT venues_fees_known CHECK (fees <@ ARRAY[
        'FREE', 'FREE_UNDER_CONDITIONS', 'PAID']),
    ADD COLUMN access_modes text[] NOT NULL DEFAULT '{}' CONSTRAINT venues_access_modes_known CHECK (access_modes <@ ARRAY[
        'WALK_IN', 'PHONE', 'EMAIL', 'ONLINE_BOOKING', 'NO_PUBLIC', 'PRESCRIPTION_BY_EMAIL']),
    ADD COLUMN support_modes text[] NOT NULL DEFAULT '{}' CONSTRAINT venues_support_modes_known CHECK (support_modes <@ ARRAY[
        'SELF_SERVICE', 'INDIVIDUAL', 'GROUP_WORKSHOP', 'REMOTE']),
    ADD COLUMN mobility text[] NOT NULL DEFAULT '{}' CONSTRAINT venues_mobility_known CHECK (mobility <@ ARRAY[
        'FIXED', 'ITINERANT']),
    ADD CONSTRAINT venues_open_data_id_key UNIQUE (open_data_id);

COMMENT ON COLUMN venues.open_data_id IS 'The LMN record id: exported as `id`, the key of an import''s upsert.';
COMMENT ON COLUMN venues.pivot IS 'LMN `pivot` (SIRET, RNA or RIDET) when not the organisation''s SIRET.';
COMMENT ON COLUMN venues.source_updated_on IS 'LMN `date_maj` of an imported record; NULL once edited here.';
-- Imported partners are matched by SIRET.
CREATE INDEX organisations_siret ON organisations (siret) WHERE siret IS NOT NULL;
