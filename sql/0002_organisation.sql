-- The organisation tree and its members.
--
-- Units form a tree of any depth: the country root (Trung ương), province
-- committees, district or city committees and bloc committees (đảng ủy
-- khối, which have no government at their level), grassroots committees
-- (đảng bộ cơ sở), their sub-units (đảng bộ bộ phận) and cells (chi bộ).
-- Each unit keeps its place as a materialised path of ids (`ltree`,
-- "1.5.23"), so "everything under unit 5" is `path <@ '1.5'`, one GiST
-- index scan. The path is computed by triggers, never sent by clients:
-- changing a unit's parent_id rewrites every path below it in the same
-- statement.
--
-- Every account is a member of one cell. Their elevated roles live in
-- member_roles, each tied to the unit it applies to; being a member of
-- one's own cell is implied and not stored.

CREATE TYPE unit_kind AS ENUM (
	'central',	-- Trung ương: the root of a country-wide tree
	'province',	-- đảng bộ tỉnh / thành phố trực thuộc Trung ương
	'district',	-- đảng bộ huyện, quận, thị xã, thành phố thuộc tỉnh
	'bloc',		-- đảng ủy khối (cơ quan, doanh nghiệp)
	'grassroots',	-- đảng bộ cơ sở (xã, phường, cơ quan, doanh nghiệp)
	'subunit',	-- đảng bộ bộ phận
	'cell'		-- chi bộ (including chi bộ cơ sở)
);

CREATE TABLE org_units (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind		unit_kind NOT NULL,
	code		text NOT NULL UNIQUE
			CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
	name_vi		text NOT NULL CHECK (length(name_vi) BETWEEN 1 AND 200),
	name_km		text CHECK (length(name_km) BETWEEN 1 AND 200),
	parent_id	bigint REFERENCES org_units (id),
	path		ltree NOT NULL UNIQUE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	-- Only the country root or a province stands without a parent; the
	-- country root stands alone. That a cell is a leaf is checked by the
	-- trigger, which can see the parent.
	CHECK (parent_id IS NOT NULL OR kind IN ('central', 'province')),
	CHECK (parent_id IS NULL OR kind <> 'central')
);

CREATE INDEX org_units_path_gist ON org_units USING gist (path);
CREATE INDEX org_units_parent ON org_units (parent_id);

-- Sets path from the parent on insert and on a change of parent; refuses a
-- child under a cell and a cycle. The AFTER trigger below then carries the
-- descendants along.
CREATE FUNCTION org_units_set_path() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	parent org_units;
BEGIN
	IF NEW.parent_id IS NULL THEN
		NEW.path := NEW.id::text::ltree;
		RETURN NEW;
	END IF;

	SELECT * INTO parent FROM org_units WHERE id = NEW.parent_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'The parent unit does not exist.'
		    USING ERRCODE = 'HB422', HINT = 'invalid_parent';
	END IF;
	IF parent.kind = 'cell' THEN
		RAISE EXCEPTION 'A cell (chi bộ) cannot contain other units.'
		    USING ERRCODE = 'HB422', HINT = 'invalid_parent';
	END IF;
	IF TG_OP = 'UPDATE' AND parent.path <@ OLD.path THEN
		RAISE EXCEPTION 'A unit cannot move under itself.'
		    USING ERRCODE = 'HB422', HINT = 'invalid_parent';
	END IF;

	NEW.path := parent.path || NEW.id::text;
	RETURN NEW;
END
$$;

CREATE TRIGGER org_units_path
	BEFORE INSERT OR UPDATE OF parent_id ON org_units
	FOR EACH ROW EXECUTE FUNCTION org_units_set_path();

-- A unit moved: every unit below it gets the new prefix, in the same
-- statement, so no reader ever sees a half-moved subtree. Only path
-- changes here, so the BEFORE trigger (on parent_id) does not fire again.
CREATE FUNCTION org_units_move_subtree() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.path <> OLD.path THEN
		UPDATE org_units
		SET path = NEW.path || subpath(path, nlevel(OLD.path)),
		    updated_at = now()
		WHERE path <@ OLD.path AND id <> NEW.id;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER org_units_subtree
	AFTER UPDATE OF parent_id ON org_units
	FOR EACH ROW EXECUTE FUNCTION org_units_move_subtree();

CREATE TYPE member_status AS ENUM ('official', 'probationary');

CREATE TABLE members (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- Số thẻ đảng viên, as printed: digits, sometimes with letters,
	-- dots or dashes.
	card_number		text NOT NULL UNIQUE
				CHECK (card_number ~ '^[0-9A-Za-z][0-9A-Za-z.-]{3,19}$'),
	full_name		text NOT NULL
				CHECK (length(full_name) BETWEEN 1 AND 120),
	-- Normalised by normalize_phone(): +84 and 9 or 10 digits.
	phone			text UNIQUE CHECK (phone ~ '^\+[0-9]{8,15}$'),
	cell_id			bigint NOT NULL REFERENCES org_units (id),
	status			member_status NOT NULL DEFAULT 'official',
	lang			text NOT NULL DEFAULT 'vi'
				CHECK (lang IN ('vi', 'km')),
	active			boolean NOT NULL DEFAULT true,
	-- crypto_pwhash_str() output (Argon2id, parameters inside); NULL
	-- until a password is set: such an account cannot log in.
	password_hash		text,
	password_changed_at	timestamptz,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX members_cell ON members (cell_id);

-- A member belongs to a cell, not to a committee.
CREATE FUNCTION members_check_cell() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM org_units
	    WHERE id = NEW.cell_id AND kind = 'cell') THEN
		RAISE EXCEPTION 'A member belongs to a cell (chi bộ).'
		    USING ERRCODE = 'HB422', HINT = 'invalid_cell';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER members_cell_is_cell
	BEFORE INSERT OR UPDATE OF cell_id ON members
	FOR EACH ROW EXECUTE FUNCTION members_check_cell();

-- Vietnamese mobile numbers as people write them (0912 345 678,
-- 84912345678, +84-912-345-678) become +84912345678; NULL for anything
-- that is not a plausible number.
CREATE FUNCTION normalize_phone(raw text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT CASE
		WHEN d ~ '^0[0-9]{9,10}$' THEN '+84' || substr(d, 2)
		WHEN d ~ '^84[0-9]{9,10}$' THEN '+' || d
		WHEN raw ~ '^\s*\+' AND d ~ '^[0-9]{8,15}$' THEN '+' || d
		ELSE NULL
	END
	FROM (SELECT regexp_replace(raw, '[\s().+-]', '', 'g') AS d) AS s
	WHERE raw !~ '[^0-9\s().+-]'
$$;

CREATE TYPE role_kind AS ENUM (
	'cell_secretary',	-- bí thư chi bộ: their cell
	'cell_deputy',		-- phó bí thư chi bộ: their cell
	'committee',		-- cấp ủy viên of a unit: its whole subtree
	'propaganda',		-- cán bộ Ban Tuyên giáo of a unit: its subtree
	'admin'			-- quản trị: a subtree, or everything (unit NULL)
);

CREATE TABLE member_roles (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	member_id	bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	role		role_kind NOT NULL,
	unit_id		bigint REFERENCES org_units (id),
	granted_at	timestamptz NOT NULL DEFAULT now(),
	granted_by	bigint REFERENCES members (id),
	CHECK (unit_id IS NOT NULL OR role = 'admin')
);

CREATE UNIQUE INDEX member_roles_once
	ON member_roles (member_id, role, coalesce(unit_id, 0));
CREATE INDEX member_roles_unit ON member_roles (unit_id);

-- Cell roles apply to cells only.
CREATE FUNCTION member_roles_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.role IN ('cell_secretary', 'cell_deputy') AND NOT EXISTS (
	    SELECT 1 FROM org_units WHERE id = NEW.unit_id AND kind = 'cell') THEN
		RAISE EXCEPTION 'A secretary or deputy secretary role applies to a cell.'
		    USING ERRCODE = 'HB422', HINT = 'invalid_role';
	END IF;
	IF NEW.role IN ('committee', 'propaganda') AND EXISTS (
	    SELECT 1 FROM org_units WHERE id = NEW.unit_id AND kind = 'cell') THEN
		RAISE EXCEPTION 'Committee and propaganda roles apply to a committee, not a cell.'
		    USING ERRCODE = 'HB422', HINT = 'invalid_role';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER member_roles_valid
	BEFORE INSERT OR UPDATE ON member_roles
	FOR EACH ROW EXECUTE FUNCTION member_roles_check();
