-- Importing members from a board's spreadsheet: the rows arrive as JSON
-- (kore-app/csv_import.c has read the CSV and reported rows it could not
-- read), each is checked here against the same rules as a single
-- POST /api/v1/members, and the good ones are inserted in one statement.
--
-- All-or-nothing by default: any rejected row and nothing is written, so a
-- board fixes its file and sends it again. mode 'valid' writes the good
-- rows and reports the rest. A retried import finds its rows already there
-- (duplicate_card_number) and stores nothing twice. Two imports racing
-- on the same card numbers: the unique index refuses the second statement
-- as a whole (409), never half of it.

CREATE FUNCTION api_members_import(actor bigint, doc jsonb, mode text,
    dry_run boolean, client text, request_id text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	r jsonb;
	errors jsonb := coalesce(doc->'errors', '[]');
	good jsonb := '[]';
	line integer;
	card text;
	name text;
	ph text;		-- the phone, normalised
	status_in text;
	st member_status;
	lng text;
	cell org_units;
	cards jsonb := '{}';	-- card (upper case) -> first line
	phones jsonb := '{}';	-- normalised phone -> first line
	ok boolean;
	imported integer := 0;
BEGIN
	FOR r IN SELECT * FROM jsonb_array_elements(coalesce(doc->'rows', '[]'))
	LOOP
		line := (r->>'line')::integer;
		card := btrim(coalesce(r->>'card_number', ''));
		name := normalize(btrim(coalesce(r->>'full_name', '')), NFC);
		ph := nullif(btrim(coalesce(r->>'phone', '')), '');
		status_in := lower(normalize(btrim(coalesce(r->>'status', '')), NFC));
		lng := lower(btrim(coalesce(r->>'lang', '')));

		IF card = '' OR name = '' OR
		    btrim(coalesce(r->>'cell_code', '')) = '' THEN
			errors := errors || jsonb_build_object('line', line,
			    'code', 'missing_field', 'message',
			    'card_number, full_name and cell_code are required.');
			CONTINUE;
		END IF;
		IF card !~ '^[0-9A-Za-z][0-9A-Za-z.-]{3,19}$' THEN
			errors := errors || jsonb_build_object('line', line,
			    'code', 'invalid_card_number', 'message', 'A party '
			    'card number has 4 to 20 letters, digits, dots or dashes.');
			CONTINUE;
		END IF;
		IF cards ? upper(card) THEN
			errors := errors || jsonb_build_object('line', line,
			    'code', 'duplicate_card_number', 'message', format(
			    'The same card number is on row %s.', cards->>upper(card)));
			CONTINUE;
		END IF;
		IF EXISTS (SELECT 1 FROM members
		    WHERE upper(card_number) = upper(card)) THEN
			errors := errors || jsonb_build_object('line', line,
			    'code', 'duplicate_card_number', 'message',
			    'A member with this card number already exists.');
			CONTINUE;
		END IF;
		IF length(name) > 120 THEN
			errors := errors || jsonb_build_object('line', line,
			    'code', 'invalid_field', 'message',
			    'full_name has at most 120 characters.');
			CONTINUE;
		END IF;
		IF ph IS NOT NULL THEN
			IF normalize_phone(ph) IS NULL THEN
				errors := errors || jsonb_build_object('line', line,
				    'code', 'invalid_phone', 'message',
				    'This is not a phone number.');
				CONTINUE;
			END IF;
			ph := normalize_phone(ph);
			IF phones ? ph OR EXISTS (SELECT 1 FROM members m
			    WHERE m.phone = ph) THEN
				errors := errors || jsonb_build_object('line', line,
				    'code', 'duplicate_phone', 'message',
				    'Another member has this phone number.');
				CONTINUE;
			END IF;
		END IF;

		SELECT * INTO cell FROM org_units u
		WHERE u.code = btrim(r->>'cell_code') AND u.kind = 'cell'
		    AND path_in_scope(actor, 'member.write', u.path);
		IF cell.id IS NULL THEN
			-- Same answer for a cell outside the caller's scope.
			errors := errors || jsonb_build_object('line', line,
			    'code', 'unknown_cell', 'message',
			    'No cell with this code among those you manage.');
			CONTINUE;
		END IF;

		st := CASE
			WHEN status_in IN ('', 'official', 'chính thức')
			    THEN 'official'
			WHEN status_in IN ('probationary', 'dự bị')
			    THEN 'probationary'
		END;
		IF st IS NULL THEN
			errors := errors || jsonb_build_object('line', line,
			    'code', 'invalid_status', 'message', 'status is '
			    'official or probationary (chính thức, dự bị).');
			CONTINUE;
		END IF;
		IF lng NOT IN ('', 'vi', 'km') THEN
			errors := errors || jsonb_build_object('line', line,
			    'code', 'invalid_lang', 'message', 'lang is vi or km.');
			CONTINUE;
		END IF;

		cards := cards || jsonb_build_object(upper(card), line);
		IF ph IS NOT NULL THEN
			phones := phones || jsonb_build_object(ph, line);
		END IF;
		good := good || jsonb_build_object('card_number', card,
		    'full_name', name, 'phone', ph, 'cell_id', cell.id,
		    'status', st, 'lang', coalesce(nullif(lng, ''), 'vi'));
	END LOOP;

	ok := jsonb_array_length(errors) = 0 OR mode = 'valid';

	IF ok AND NOT dry_run AND jsonb_array_length(good) > 0 THEN
		INSERT INTO members (card_number, full_name, phone, cell_id,
		    status, lang)
		SELECT g.card_number, g.full_name, g.phone, g.cell_id,
		    g.status::member_status, g.lang
		FROM jsonb_to_recordset(good) AS g (card_number text,
		    full_name text, phone text, cell_id bigint, status text,
		    lang text);
		GET DIAGNOSTICS imported = ROW_COUNT;
		PERFORM audit_write(actor, 'member.import', NULL, client,
		    request_id, jsonb_build_object('imported', imported,
		    'rejected', jsonb_array_length(errors)));
	END IF;

	RETURN json_build_object(
		'ok', ok AND (jsonb_array_length(errors) = 0 OR mode = 'valid'),
		'mode', mode,
		'dry_run', dry_run,
		'rows', jsonb_array_length(coalesce(doc->'rows', '[]')) +
		    jsonb_array_length(coalesce(doc->'errors', '[]')),
		'valid', jsonb_array_length(good),
		'imported', imported,
		'rejected', (SELECT coalesce(jsonb_agg(e ORDER BY (e->>'line')::int),
		    '[]') FROM jsonb_array_elements(errors) AS e));
END
$$;
