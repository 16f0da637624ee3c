-- Sessions, login throttling and the audit log, with the SQL half of
-- logging in (the C half, kore-app/auth.c, checks the password with
-- Argon2id off the request path and makes the token).
--
-- A token is 32 random bytes the client keeps; the server stores only its
-- BLAKE2b-256 hash, so a copy of this table opens no session. Every
-- request checks its token here, so a logout is refused at once on every
-- worker and every node.
--
-- The functions below never raise on a failed login: the failure must be
-- counted (throttling) and logged (audit), and a raise would roll that
-- back. They answer with a row the C code reads instead.

CREATE TABLE sessions (
	token_hash	bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	member_id	bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz,
	client		text
);

CREATE INDEX sessions_member ON sessions (member_id);

-- Failed logins per key: 'login:<what was typed>' and 'addr:<client>'.
CREATE TABLE login_throttle (
	key		text PRIMARY KEY,
	failures	integer NOT NULL,
	window_start	timestamptz NOT NULL,
	blocked_until	timestamptz
);

-- Who did what, when, from where: logins, failures, denied requests and
-- administrative changes. Never passwords, tokens or note text; `detail`
-- holds identifiers and field names only.
CREATE TABLE audit_log (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor_id	bigint REFERENCES members (id) ON DELETE SET NULL,
	action		text NOT NULL,
	object		text,
	client		text,
	request_id	text,
	detail		jsonb
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- Limits, in one place: after `failures` failed logins within `window`,
-- the key is blocked for `block`.
CREATE FUNCTION throttle_limits(key_kind text,
    OUT failures integer, OUT window_length interval, OUT block interval)
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE key_kind WHEN 'login' THEN 5 ELSE 30 END,
	    interval '15 minutes', interval '15 minutes'
$$;

CREATE FUNCTION audit_write(actor bigint, what text, obj text, client text,
    request_id text, detail jsonb) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO audit_log (actor_id, action, object, client, request_id,
	    detail)
	VALUES (actor, what, obj, client, request_id, detail)
$$;

-- Seconds until the key is unblocked, 0 when it is not blocked.
CREATE FUNCTION throttle_wait(k text) RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT coalesce(max(ceil(extract(epoch FROM blocked_until - now())))::int, 0)
	FROM login_throttle WHERE key = k AND blocked_until > now()
$$;

CREATE FUNCTION throttle_fail(k text, kind text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lim record;
BEGIN
	SELECT * INTO lim FROM throttle_limits(kind);
	INSERT INTO login_throttle AS t (key, failures, window_start)
	VALUES (k, 1, now())
	ON CONFLICT (key) DO UPDATE SET
		failures = CASE WHEN t.window_start < now() - lim.window_length
		    THEN 1 ELSE t.failures + 1 END,
		window_start = CASE WHEN t.window_start < now() - lim.window_length
		    THEN now() ELSE t.window_start END;
	UPDATE login_throttle
	SET blocked_until = now() + lim.block, failures = 0, window_start = now()
	WHERE key = k AND failures >= lim.failures;
END
$$;

-- Step 1 of a login: who is it, and may they try now? Always one row.
-- member_id and password_hash are NULL for an unknown or disabled login
-- (the C code then verifies against a dummy hash, so that both cases take
-- the same time). retry_after > 0 means: answer 429 without checking the
-- password at all.
CREATE FUNCTION auth_login_begin(login text, client text, request_id text,
    OUT member_id bigint, OUT password_hash text, OUT retry_after integer)
LANGUAGE plpgsql AS $$
BEGIN
	retry_after := greatest(throttle_wait('login:' || lower(login)),
	    throttle_wait('addr:' || client));
	IF retry_after > 0 THEN
		PERFORM audit_write(NULL, 'auth.login_throttled', NULL, client,
		    request_id, NULL);
		RETURN;
	END IF;

	SELECT m.id, m.password_hash INTO member_id, password_hash
	FROM members m
	WHERE m.active AND (upper(m.card_number) = upper(login) OR
	    m.phone = normalize_phone(login))
	LIMIT 1;
END
$$;

-- Step 2, after the password was checked. On success: a session for the
-- token hash, the failures of this login forgotten, the hash upgraded if
-- the C code sent a new one, and the member as JSON. On failure: counted
-- for the login and the address, and NULL.
CREATE FUNCTION auth_login_finish(member bigint, login text, ok boolean,
    client text, request_id text, token_hash text, ttl_seconds integer,
    new_hash text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
	expires timestamptz := now() + make_interval(secs => ttl_seconds);
BEGIN
	IF NOT ok OR member IS NULL THEN
		PERFORM throttle_fail('login:' || lower(login), 'login');
		PERFORM throttle_fail('addr:' || client, 'addr');
		PERFORM audit_write(member, 'auth.login_failed', NULL, client,
		    request_id, NULL);
		RETURN NULL;
	END IF;

	DELETE FROM login_throttle WHERE key = 'login:' || lower(login);
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

-- The member behind a token, or NULL: unknown, revoked, expired, or the
-- account was disabled since.
CREATE FUNCTION auth_session(token_hash text) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT s.member_id
	FROM sessions s JOIN members m ON m.id = s.member_id
	WHERE s.token_hash = decode(auth_session.token_hash, 'hex')
	    AND s.revoked_at IS NULL AND s.expires_at > now() AND m.active
$$;

CREATE FUNCTION auth_logout(token_hash text, client text, request_id text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	who bigint;
BEGIN
	UPDATE sessions SET revoked_at = now()
	WHERE sessions.token_hash = decode(auth_logout.token_hash, 'hex')
	    AND revoked_at IS NULL
	RETURNING member_id INTO who;
	PERFORM audit_write(who, 'auth.logout', 'member:' || who, client,
	    request_id, NULL);
END
$$;

-- A changed password: stored, and every other session of the member
-- revoked (someone who knew the old password may hold one).
CREATE FUNCTION auth_password_set(member bigint, keep_token_hash text,
    new_hash text, client text, request_id text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE members SET password_hash = new_hash,
	    password_changed_at = now(), updated_at = now()
	WHERE id = member;
	UPDATE sessions SET revoked_at = now()
	WHERE member_id = member AND revoked_at IS NULL
	    AND token_hash <> decode(keep_token_hash, 'hex');
	PERFORM audit_write(member, 'auth.password', 'member:' || member,
	    client, request_id, NULL);
END
$$;
