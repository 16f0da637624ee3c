-- Failed logins are counted per account, not per spelling. Until now the
-- key was the login as typed, so the five tries allowed for one phone
-- number could be had again by writing it another way (0912 345 678,
-- +84912345678, 84-912-345-678 ...), and again with the card number.
-- Now a login that names an account is counted on that account
-- ('login:member:<id>'); one that names none on its normalised form (a
-- phone as +84..., anything else in upper case). Found by
-- tests/integration/auth_throttle.sh. And a login that is one member's
-- card number and another's phone now always names the card holder.

CREATE FUNCTION throttle_login_key(member bigint, login text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT 'login:' || CASE WHEN member IS NOT NULL
	    THEN 'member:' || member
	    ELSE coalesce(normalize_phone(login), upper(btrim(login))) END
$$;

CREATE OR REPLACE FUNCTION auth_login_begin(login text, client text,
    request_id text, OUT member_id bigint, OUT password_hash text,
    OUT retry_after integer)
LANGUAGE plpgsql AS $$
BEGIN
	SELECT m.id, m.password_hash INTO member_id, password_hash
	FROM members m
	WHERE m.active AND (upper(m.card_number) = upper(btrim(login)) OR
	    m.phone = normalize_phone(login))
	-- A string that is one member's card number and another's phone
	-- names the card holder, every time.
	ORDER BY upper(m.card_number) = upper(btrim(login)) DESC, m.id
	LIMIT 1;

	retry_after := greatest(throttle_wait(throttle_login_key(member_id,
	    login)), throttle_wait('addr:' || client));
	IF retry_after > 0 THEN
		PERFORM audit_write(member_id, 'auth.login_throttled', NULL,
		    client, request_id, NULL);
		member_id := NULL;
		password_hash := NULL;
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION auth_login_finish(member bigint, login text,
    ok boolean, client text, request_id text, token_hash text,
    ttl_seconds integer, new_hash text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	expires timestamptz := now() + make_interval(secs => ttl_seconds);
BEGIN
	IF NOT ok OR member IS NULL THEN
		PERFORM throttle_fail(throttle_login_key(member, login), 'login');
		PERFORM throttle_fail('addr:' || client, 'addr');
		PERFORM audit_write(member, 'auth.login_failed', NULL, client,
		    request_id, NULL);
		RETURN NULL;
	END IF;

	DELETE FROM login_throttle WHERE key = throttle_login_key(member, login);
	INSERT INTO sessions (token_hash, member_id, expires_at, client)
	VALUES (decode(token_hash, 'hex'), member, expires, client);
	IF new_hash IS NOT NULL THEN
		UPDATE members SET password_hash = new_hash WHERE id = member;
	END IF;
	PERFORM audit_write(member, 'auth.login', 'member:' || member, client,
	    request_id, CASE WHEN new_hash IS NOT NULL
	    THEN '{"rehashed": true}'::jsonb END);

	RETURN json_build_object('expires_at', expires,
	    'member', member_json(member));
END
$$;
