-- Placeholder: migration 023 belongs to a branch not yet merged (tern refuses a gap in the
-- numbers). Delete this file when that branch's 023 arrives, before any real database applies it.
SELECT 1;
