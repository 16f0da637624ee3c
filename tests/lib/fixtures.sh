# Test data and logged-in requests for tests/integration/*.sh.
#
# Source it after tests/lib/assert.sh (it uses req, diag and at_exit). It
# talks to the test stack's database with psql ($HANDBOOK_DATABASE_URL,
# which tests/run exports) and to the API with req.
#
#   fixture_org PREFIX         a small organisation of this test file's own
#   fx_sql SQL [PSQL ARGS...]  run SQL on the test database, print the rows
#                              (unaligned, tuples only); psql variables
#                              given as -v name=value are used as :'name'
#   login LOGIN PASSWORD [VAR] POST /api/v1/auth/login; VAR (default
#                              TOKEN) gets the token, "" when it failed;
#                              returns 0 on 200 only. REQ_* keep the answer.
#   auth_req TOKEN [CURL ARGS...] URL      req with Authorization: Bearer
#   post_json URL JSON [CURL ARGS...]      req, POST of a JSON body
#   fx_hash PASSWORD...        Argon2id hashes as the server makes them
#   fx_token_hash TOKEN        the sessions.token_hash of a token, in hex
#                              (BLAKE2b-256 of the token text, as the
#                              server computes it)
#   fixture_throttle_clear PREFIX   forget failed logins of this fixture
#
# fixture_org PREFIX builds, under codes derived from PREFIX (capitals and
# digits, 2 to 12 characters; each test file uses its own, so files never
# collide with each other or with the DEMO* and BENCH* data):
#
#   PREFIX-P   province   "Tỉnh Thử Nghiệm PREFIX"
#   PREFIX-D1  district     PREFIX-G1 grassroots   PREFIX-C1 cell
#   PREFIX-D2  district     PREFIX-G2 grassroots   PREFIX-C2 cell
#
# every unit with a Vietnamese name_vi and a Khmer-script name_km, and
# these members (the key indexes the arrays below):
#
#   key         cell  name                lang  role
#   member      C1    Nguyễn Văn Bình     vi    -
#   khmer       C2    Thạch Thị Sa Rây    km    -
#   secretary   C1    Lê Thị Thu Hà       vi    cell_secretary of C1
#   committee   C2    Trần Minh Khoa      vi    committee of D2
#   propaganda  C1    Huỳnh Văn Tâm       vi    propaganda of P
#   admin       C1    Võ Thị Mỹ Linh      vi    admin of P
#   spare       C2    Danh Sóc            km    - (free to disable, ...)
#
# Card numbers are 9HHHHHNN and phones +8481HHHHHNN (written 081H HHHH NN),
# HHHHH from a checksum of PREFIX and NN the member's number: 8 digits
# starting with 9, unlike the demo (1..., 2...) and bench (BP..., BV...)
# cards and the demo and bench phones (+849, +847, +843); a clash with
# another prefix is detected and refused. Logins for accounts that do not
# exist should be written PREFIX-something (fixture_throttle_clear knows
# them).
#
# After fixture_org these are set (associative arrays):
#   FX_PREFIX
#   FX_UNIT[P|D1|D2|G1|G2|C1|C2]   ids;  FX_CODE[...] codes;
#   FX_UNIT_VI[...], FX_UNIT_KM[...] names
#   FX_ID[key] FX_CARD[key] FX_PHONE[key] (normalised, +84...)
#   FX_NAME[key] FX_LANG[key] FX_PASSWORD[key] FX_CELL[key] (C1 or C2)
#
# Running fixture_org again with the same PREFIX first removes the previous
# copy (so a test file can run twice against HANDBOOK_TEST_DATABASE_URL).
# The organisation is removed when the test file ends, unless
# HANDBOOK_TEST_KEEP=1.

# shellcheck shell=bash disable=SC2034
# shellcheck source=scripts/lib.sh
. "$HB_REPO/scripts/lib.sh"

pg_url_env "$HANDBOOK_DATABASE_URL"

fx_sql() {
	local sql=$1
	shift
	psql -X -A -t -q -v ON_ERROR_STOP=1 "$@" -d "$PG_URL" <<<"$sql"
}

# The helper that makes password hashes, compiled once per test run into
# the stack's var dir (or this script's scratch dir when there is none).
fx_pwhash_bin() {
	local dir=${HANDBOOK_VAR:-$TEST_TMP}/cache src=$HB_REPO/tests/lib/pwhash-helper.c
	local bin=$dir/pwhash-helper
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		mkdir -p "$dir"
		cc -O2 -o "$bin.$$" "$src" -lsodium >&2 || return 1
		mv -f "$bin.$$" "$bin"
	fi
	echo "$bin"
}

# fx_hash PASSWORD...: one crypto_pwhash_str() line per password.
fx_hash() {
	local bin
	bin=$(fx_pwhash_bin) || return 1
	printf '%s\n' "$@" | "$bin"
}

fx_token_hash() {
	local h
	h=$(printf '%s' "$1" | b2sum -l 256)
	echo "${h%% *}"
}

declare -gA FX_UNIT FX_CODE FX_UNIT_VI FX_UNIT_KM
declare -gA FX_ID FX_CARD FX_PHONE FX_NAME FX_LANG FX_PASSWORD FX_CELL
FX_PREFIX=
FX_KEYS=(member khmer secretary committee propaganda admin spare)

fixture_org() {
	local prefix=$1 h n key units members hashes out kind k id
	local -a passwords
	if ! [[ $prefix =~ ^[A-Z][A-Z0-9]{1,11}$ ]]; then
		diag "fixture_org: the prefix must be 2 to 12 capitals or digits, not '$prefix'"
		return 1
	fi
	FX_PREFIX=$prefix
	h=$(printf '%s' "$prefix" | cksum)
	h=$(printf '%05d' $((${h%% *} % 100000)))

	FX_CODE=([P]=$prefix-P [D1]=$prefix-D1 [D2]=$prefix-D2 [G1]=$prefix-G1
		[G2]=$prefix-G2 [C1]=$prefix-C1 [C2]=$prefix-C2)
	FX_UNIT_VI=([P]="Tỉnh Thử Nghiệm $prefix" [D1]="Huyện Tân Hòa"
		[D2]="Thị xã Vĩnh Châu" [G1]="Đảng bộ xã Tân Lập"
		[G2]="Đảng bộ xã Lai Hòa" [C1]="Chi bộ ấp Tân Lập A"
		[C2]="Chi bộ ấp Sóc Tre")
	FX_UNIT_KM=([P]="ខេត្តសាកល្បង $prefix" [D1]="ស្រុកតាន់ហ័រ"
		[D2]="ក្រុងវិញចូវ" [G1]="ឃុំតាន់ឡាប់" [G2]="ឃុំឡៃហ័រ"
		[C1]="សាខាបក្សភូមិតាន់ឡាប់" [C2]="សាខាបក្សភូមិស្រុកឫស្សី")
	FX_NAME=([member]="Nguyễn Văn Bình" [khmer]="Thạch Thị Sa Rây"
		[secretary]="Lê Thị Thu Hà" [committee]="Trần Minh Khoa"
		[propaganda]="Huỳnh Văn Tâm" [admin]="Võ Thị Mỹ Linh"
		[spare]="Danh Sóc")
	FX_LANG=([member]=vi [khmer]=km [secretary]=vi [committee]=vi
		[propaganda]=vi [admin]=vi [spare]=km)
	FX_CELL=([member]=C1 [khmer]=C2 [secretary]=C1 [committee]=C2
		[propaganda]=C1 [admin]=C1 [spare]=C2)
	n=0
	for key in "${FX_KEYS[@]}"; do
		n=$((n + 1))
		FX_CARD[$key]=9$h$(printf '%02d' "$n")
		FX_PHONE[$key]=+8481$h$(printf '%02d' "$n")
		FX_PASSWORD[$key]="correct horse $key $n"
		passwords+=("${FX_PASSWORD[$key]}")
	done

	hashes=$(fx_hash "${passwords[@]}") || {
		diag "fixture_org: could not hash the passwords"
		return 1
	}

	units=$(for k in P D1 D2 G1 G2 C1 C2; do
		case $k in
		P) kind=province parent='' ;;
		D*) kind=district parent=P ;;
		G*) kind=grassroots parent=D${k#G} ;;
		C*) kind=cell parent=G${k#C} ;;
		esac
		jq -cn --arg k "$k" --arg kind "$kind" --arg code "${FX_CODE[$k]}" \
			--arg vi "${FX_UNIT_VI[$k]}" --arg km "${FX_UNIT_KM[$k]}" \
			--arg parent "${parent:+${FX_CODE[$parent]}}" \
			'{k: $k, kind: $kind, code: $code, name_vi: $vi, name_km: $km,
			  parent: (if $parent == "" then null else $parent end)}'
	done | jq -cs .)
	members=$(n=0; for key in "${FX_KEYS[@]}"; do
		n=$((n + 1))
		case $key in
		secretary) role=cell_secretary unit=C1 ;;
		committee) role=committee unit=D2 ;;
		propaganda) role=propaganda unit=P ;;
		admin) role=admin unit=P ;;
		*) role='' unit='' ;;
		esac
		jq -cn --arg key "$key" --arg card "${FX_CARD[$key]}" \
			--arg phone "${FX_PHONE[$key]}" --arg name "${FX_NAME[$key]}" \
			--arg lang "${FX_LANG[$key]}" --arg cell "${FX_CODE[${FX_CELL[$key]}]}" \
			--arg hash "$(sed -n "${n}p" <<<"$hashes")" \
			--arg role "$role" --arg unit "${unit:+${FX_CODE[$unit]}}" \
			'{key: $key, card: $card, phone: $phone, name: $name,
			  lang: $lang, cell: $cell, hash: $hash,
			  role: (if $role == "" then null else $role end),
			  unit: (if $unit == "" then null else $unit end)}'
	done | jq -cs .)

	# One transaction: remove an earlier copy, refuse a clash, insert.
	out=$(fx_sql "
		BEGIN;
		CREATE TEMP TABLE fx_units AS
			SELECT * FROM json_to_recordset(:'units'::json) AS u (k text,
			    kind unit_kind, code text, name_vi text, name_km text,
			    parent text);
		CREATE TEMP TABLE fx_members AS
			SELECT * FROM json_to_recordset(:'members'::json) AS m (key text,
			    card text, phone text, name text, lang text, cell text,
			    hash text, role role_kind, unit text);
		-- The earlier copy of this fixture, if any.
		CREATE TEMP TABLE fx_old AS
			SELECT u.id, u.path FROM org_units u
			WHERE u.path <@ (SELECT path FROM org_units
			    WHERE code = :'prefix' || '-P');
		DELETE FROM member_roles WHERE unit_id IN (SELECT id FROM fx_old);
		DELETE FROM members WHERE cell_id IN (SELECT id FROM fx_old);
		DELETE FROM org_units WHERE id IN (SELECT id FROM fx_old);
		DO \$\$ BEGIN
			IF EXISTS (SELECT 1 FROM members m JOIN fx_members f
			    ON m.card_number = f.card OR m.phone = f.phone) THEN
				RAISE EXCEPTION 'fixture_org: the card numbers or phones of this prefix are taken; choose another prefix';
			END IF;
			IF EXISTS (SELECT 1 FROM org_units u JOIN fx_units f
			    ON u.code = f.code) THEN
				RAISE EXCEPTION 'fixture_org: the unit codes of this prefix are taken';
			END IF;
		END \$\$;
		INSERT INTO org_units (kind, code, name_vi, name_km)
			SELECT kind, code, name_vi, name_km FROM fx_units WHERE parent IS NULL;
		INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
			SELECT f.kind, f.code, f.name_vi, f.name_km, p.id
			FROM fx_units f JOIN org_units p ON p.code = f.parent
			WHERE f.kind = 'district';
		INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
			SELECT f.kind, f.code, f.name_vi, f.name_km, p.id
			FROM fx_units f JOIN org_units p ON p.code = f.parent
			WHERE f.kind = 'grassroots';
		INSERT INTO org_units (kind, code, name_vi, name_km, parent_id)
			SELECT f.kind, f.code, f.name_vi, f.name_km, p.id
			FROM fx_units f JOIN org_units p ON p.code = f.parent
			WHERE f.kind = 'cell';
		INSERT INTO members (card_number, full_name, phone, cell_id, lang,
		    password_hash, password_changed_at)
			SELECT f.card, f.name, f.phone, c.id, f.lang, f.hash, now()
			FROM fx_members f JOIN org_units c ON c.code = f.cell;
		INSERT INTO member_roles (member_id, role, unit_id)
			SELECT m.id, f.role, u.id
			FROM fx_members f JOIN members m ON m.card_number = f.card
			JOIN org_units u ON u.code = f.unit
			WHERE f.role IS NOT NULL;
		SELECT 'unit ' || f.k || ' ' || u.id FROM fx_units f
			JOIN org_units u USING (code);
		SELECT 'member ' || f.key || ' ' || m.id FROM fx_members f
			JOIN members m ON m.card_number = f.card;
		COMMIT;
	" -v prefix="$prefix" -v units="$units" -v members="$members" 2>&1) || {
		diag "fixture_org $prefix failed:" "$out"
		return 1
	}
	while read -r kind k id; do
		case $kind in
		unit) FX_UNIT[$k]=$id ;;
		member) FX_ID[$k]=$id ;;
		esac
	done <<<"$out"
	if [ "${#FX_UNIT[@]}" != 7 ] || [ "${#FX_ID[@]}" != "${#FX_KEYS[@]}" ]; then
		diag "fixture_org $prefix: unexpected answer from psql:" "$out"
		return 1
	fi
	if [ "${HANDBOOK_TEST_KEEP:-0}" != 1 ]; then
		at_exit "fixture_remove $prefix"
	fi
}

# fixture_remove PREFIX: the organisation, its members (their sessions and
# roles with them) and the throttling rows of its logins. The audit log
# keeps its rows (actor_id becomes NULL).
fixture_remove() {
	local out
	fixture_throttle_clear "$1"
	out=$(fx_sql "
		BEGIN;
		CREATE TEMP TABLE fx_old AS
			SELECT u.id FROM org_units u
			WHERE u.path <@ (SELECT path FROM org_units
			    WHERE code = :'prefix' || '-P');
		DELETE FROM member_roles WHERE unit_id IN (SELECT id FROM fx_old);
		DELETE FROM members WHERE cell_id IN (SELECT id FROM fx_old);
		DELETE FROM org_units WHERE id IN (SELECT id FROM fx_old);
		COMMIT;
	" -v prefix="$1" 2>&1) || diag "fixture_remove $1: $out"
}

# fixture_throttle_clear PREFIX: forget the failed logins and blocks of
# this fixture's accounts, and those counted for the loopback address every
# test request comes from: the limit of 30 failures per address in 15
# minutes is shared by all test files, so a file that fails logins on
# purpose clears it when it ends. A login row is this fixture's when its
# key (login:...) holds one of its card numbers, one of its phones in any
# written form, a made-up PREFIX-... login, or ends in ":<member id>" of
# one of its members; so it does not depend on how the server spells keys.
fixture_throttle_clear() {
	local prefix=$1 h out
	h=$(printf '%s' "$prefix" | cksum)
	h=$(printf '%05d' $((${h%% *} % 100000)))
	out=$(fx_sql "
		DELETE FROM login_throttle
		WHERE key IN ('addr:127.0.0.1', 'addr:::1', 'addr:-')
		    OR (key LIKE 'login:%' AND (
			lower(key) LIKE '%' || lower(:'prefix') || '-%'
			OR key ~ ('9' || :'h' || '[0-9]{2}')
			OR normalize_phone(substr(key, 7)) ~ ('^\\+8481' || :'h' || '[0-9]{2}\$')
			OR substring(key FROM ':([0-9]+)\$') IN (
			    SELECT m.id::text FROM members m
			    JOIN org_units c ON c.id = m.cell_id
			    JOIN org_units p ON c.path <@ p.path
			    WHERE p.code = :'prefix' || '-P')));
	" -v prefix="$prefix" -v h="$h" 2>&1) || diag "fixture_throttle_clear $prefix: $out"
}

# login LOGIN PASSWORD [VAR]
login() {
	local __var=${3:-TOKEN} __body=$TEST_TMP/login-body.json
	jq -cn --arg l "$1" --arg p "$2" '{login: $l, password: $p}' >"$__body"
	req -X POST -H 'Content-Type: application/json' --data-binary "@$__body" \
		"$BASE/api/v1/auth/login"
	rm -f "$__body"
	if [ "$REQ_STATUS" = 200 ]; then
		printf -v "$__var" '%s' "$(json .token)"
		return 0
	fi
	printf -v "$__var" '%s' ""
	diag "login $1: status $REQ_STATUS $(head -c 200 "$REQ_BODY_FILE")"
	return 1
}

# auth_req TOKEN [CURL ARGS...] URL
auth_req() {
	local token=$1
	shift
	req -H "Authorization: Bearer $token" "$@"
}

# post_json URL JSON [CURL ARGS...]: the body goes through a file, so that
# passwords do not show in curl's argv.
post_json() {
	local url=$1 body=$2 file=$TEST_TMP/post-body.json
	shift 2
	printf '%s' "$body" >"$file"
	req -X POST -H 'Content-Type: application/json' --data-binary "@$file" "$@" "$url"
	rm -f "$file"
}
