-- Every enum column holds exactly the GraphQL enum's names (db/enums.go). Topics and audiences,
-- arrays, were checked in Go only, and a variable spelled in lower case (`"topics": ["email"]`)
-- was stored as sent, served back, and never found by `topics: [EMAIL]`. Such values are
-- upper-cased (unknown ones dropped), then a CHECK holds the arrays like the other columns.
UPDATE workshops SET topics = ARRAY(
	SELECT DISTINCT upper(t) FROM unnest(topics) AS t
	WHERE upper(t) IN ('CV_AND_JOB_SEARCH', 'FRANCE_TRAVAIL_PROCEDURES', 'CAF_PROCEDURES', 'HEALTH_INSURANCE',
		'TAXES', 'SMARTPHONE', 'SCANNING_DOCUMENTS', 'EMAIL', 'ONLINE_SAFETY', 'COMPUTER_BASICS'))
WHERE topics::text <> upper(topics::text);

UPDATE workshops SET audiences = ARRAY(
	SELECT DISTINCT upper(a) FROM unnest(audiences) AS a
	WHERE upper(a) IN ('EVERYONE', 'JOB_SEEKERS', 'YOUNG_PEOPLE', 'SENIORS', 'EMPLOYEES_IN_INSERTION', 'FAMILIES'))
WHERE audiences::text <> upper(audiences::text);

ALTER TABLE workshops
	ADD CONSTRAINT workshops_topics_known CHECK (topics <@ ARRAY['CV_AND_JOB_SEARCH', 'FRANCE_TRAVAIL_PROCEDURES',
		'CAF_PROCEDURES', 'HEALTH_INSURANCE', 'TAXES', 'SMARTPHONE', 'SCANNING_DOCUMENTS', 'EMAIL', 'ONLINE_SAFETY',
		'COMPUTER_BASICS']),
	ADD CONSTRAINT workshops_audiences_known CHECK (audiences <@ ARRAY['EVERYONE', 'JOB_SEEKERS', 'YOUNG_PEOPLE',
		'SENIORS', 'EMPLOYEES_IN_INSERTION', 'FAMILIES']);
