-- The public halves of the Ed25519 keys that sign content bundles
-- (kore-app/bundle.c). A key is never deleted: a bundle copied to a phone
-- months ago must still verify after the key that signed it was
-- replaced, so a replaced key is only marked retired.

CREATE TABLE signing_keys (
	id		text PRIMARY KEY CHECK (id ~ '^ed25519-[0-9]{8}T[0-9]{6}Z$'),
	algorithm	text NOT NULL DEFAULT 'ed25519' CHECK (algorithm = 'ed25519'),
	public_key	text NOT NULL UNIQUE,	-- 32 bytes, base64
	created_at	timestamptz NOT NULL DEFAULT now(),
	retired_at	timestamptz
);

-- Registers a key (idempotent) and retires the keys older than the newest.
CREATE FUNCTION signing_key_register(key_id text, pk text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO signing_keys (id, public_key) VALUES (key_id, pk)
	ON CONFLICT (id) DO NOTHING;
	UPDATE signing_keys SET retired_at = now()
	WHERE retired_at IS NULL AND id < (SELECT max(id) FROM signing_keys);
END
$$;

-- GET /api/v1/keys
CREATE FUNCTION api_keys() RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('keys', coalesce(json_agg(json_build_object(
		'id', id, 'algorithm', algorithm, 'public_key', public_key,
		'created_at', created_at, 'retired_at', retired_at)
		ORDER BY id DESC), '[]'))
	FROM signing_keys
$$;
