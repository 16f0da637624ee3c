-- Removing a bridge point (điểm cầu) from a study session's plan:
-- DELETE /api/v1/study-sessions/{id}/bridge-points/{point}
-- (kore-app/study_sessions.c).
--
-- A site falls through (the commune hall is not free, the line to a
-- remote point cannot be set up) and the board takes it off the plan.
-- Who may: those who may change the session (study_session_access
-- 'schedule'), and only before the session starts, like every other plan
-- change: once it has started, the point's actual attendee count is part
-- of the record and stays. Nothing else refers to a point by its id
-- (which point a cell's members attend is worked out from the points'
-- units when asked: study_bridge_point_of), so removing one loses nothing
-- but the point. The removal is audited with what the point was.
--
-- A second DELETE of the same point answers 404, as for any id that is
-- not there: the first answer (204) already said it is gone.

CREATE FUNCTION api_study_bridge_point_remove(actor bigint, sid bigint,
    bp bigint, client text, request_id text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_s study_sessions;
	v_p study_bridge_points;
BEGIN
	PERFORM access_require(study_session_access(actor, sid, 'read'),
	    'study session');
	-- The session first, as adding a point does: a removal and an
	-- addition on one session run one after the other, and the start
	-- time checked below cannot change under us.
	SELECT * INTO v_s FROM study_sessions WHERE id = sid FOR UPDATE;
	SELECT * INTO v_p FROM study_bridge_points
	WHERE id = bp AND session_id = sid FOR UPDATE;
	IF v_p.id IS NULL THEN
		PERFORM access_require('not_found', 'bridge point');
	END IF;
	PERFORM access_require(study_session_access(actor, sid, 'schedule'),
	    'study session');
	PERFORM study_session_require_unstarted(v_s);

	DELETE FROM study_bridge_points WHERE id = bp;
	UPDATE study_sessions SET updated_at = now() WHERE id = sid;

	PERFORM audit_write(actor, 'study_session.bridge_point_remove',
	    'study_bridge_point:' || bp, client, request_id, jsonb_build_object(
	    'session_id', sid, 'unit_id', v_p.unit_id, 'name', v_p.name));
END
$$;
