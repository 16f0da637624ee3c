-- The token check also gives the member's preferred language, so that a
-- Khmer reader whose phone sends no language, or a Vietnamese one as most
-- phones sold in Viet Nam do, still gets Khmer texts by default (the order
-- of ?lang=, the account and Accept-Language is in kore-app/lang.c).

CREATE FUNCTION auth_session_member(token_hash text,
    OUT member_id bigint, OUT lang text)
LANGUAGE sql STABLE AS $$
	SELECT s.member_id, m.lang
	FROM sessions s JOIN members m ON m.id = s.member_id
	WHERE s.token_hash = decode(auth_session_member.token_hash, 'hex')
	    AND s.revoked_at IS NULL AND s.expires_at > now() AND m.active
$$;
