# The two commands of this project are `make run` and `make test`; the rest
# are their parts. See the README for what each target does and for every
# HANDBOOK_* variable.
#
# Variables use `=` (expanded when a recipe runs), not `:=`, because on a
# fresh machine Kore's feature file only exists once `deps` has installed
# the packages.

VERSION		= 0.1.0
GIT_COMMIT	= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

CC		= cc
BUILD		= build
KORE_FEATURES	= $(shell cat /usr/share/kore/features)

# Warnings are errors. Kore's headers need GNU extensions (u_int8_t,
# TAILQ), hence gnu11.
WARNINGS	= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
		  -Wstrict-prototypes -Wmissing-prototypes \
		  -Wmissing-declarations -Wsign-compare -Wformat=2 \
		  -Wno-unused-parameter
CFLAGS		= -std=gnu11 -O2 -g -fPIC $(WARNINGS) $(KORE_FEATURES) \
		  -DHB_VERSION='"$(VERSION)"' \
		  -DHB_GIT_COMMIT='"$(GIT_COMMIT)"'
LDLIBS		= -ljansson -lsodium -lpq -lcsv -licuuc -lxlsxwriter

# The test build: AddressSanitizer and UBSan, for the unit tests and for
# the module. Debian's kore is not built with ASan, so scripts/stack preloads
# libasan into Kore when HANDBOOK_MODULE is the sanitizer build (tried:
# workers start, serve and stay within the seccomp filter).
SAN_UNIT	= -fsanitize=address,undefined -fno-sanitize-recover=all \
		  -fno-omit-frame-pointer
SAN_MODULE	= $(SAN_UNIT) -DHB_SANITIZED

MODULE_SRC	= $(wildcard kore-app/*.c)
MODULE_HDR	= kore-app/handbook.h kore-app/routes.def
MODULE_OBJ	= $(MODULE_SRC:kore-app/%.c=$(BUILD)/obj/%.o)
MODULE_TOBJ	= $(MODULE_SRC:kore-app/%.c=$(BUILD)/tobj/%.o)

# Files that call nothing from Kore, which the unit tests link directly.
PURE		= accesslog csv_import doc_cache etag event_batch json json_fields \
		  khmer lang password_rules query report_export request_id \
		  route_match shingles sqlstate static_names text_nfc token utf8
UNIT_SRC	= $(wildcard tests/unit/test_*.c)
UNIT_BIN	= $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)

.PHONY: all build build-tests client-lib deps run stop test test-unit \
	migrate status demo-data content-check content-import bench clean \
	web-fonts browser-deps fuzz fuzz-explore check-security

all: build

deps:
	@scripts/install-deps

build: deps
	@$(MAKE) --no-print-directory $(BUILD)/handbook.so $(BUILD)/tools/hbcontent \
	    $(BUILD)/tools/hbkey $(BUILD)/tools/hbverify $(CLIENT_LIB) \
	    $(BUILD)/client/hbsync web-fonts

build-tests: deps
	@$(MAKE) --no-print-directory $(BUILD)/handbook-test.so $(UNIT_BIN) \
	    $(BUILD)/tests/client/client_check web-fonts browser-deps

# The Khmer font of the web pages, from Debian's fonts-noto-core (SIL Open
# Font License 1.1: its copyright file goes with it), copied into the served
# folder rather than committed (assets/fonts/ is git-ignored). Noto Sans
# Khmer: 110 kB a weight, drawn to sit with Noto Sans' Latin, and shaped
# correctly by every browser's HarfBuzz (coeng subscripts, vowel signs).
FONT_SRC	= /usr/share/fonts/truetype/noto
FONTS		= assets/fonts/NotoSansKhmer-Regular.ttf \
		  assets/fonts/NotoSansKhmer-Bold.ttf \
		  assets/fonts/fonts-noto-core-copyright.txt

web-fonts: $(FONTS)

assets/fonts/%.ttf: $(FONT_SRC)/%.ttf
	@mkdir -p $(dir $@)
	cp $< $@

assets/fonts/fonts-noto-core-copyright.txt: /usr/share/doc/fonts-noto-core/copyright
	@mkdir -p $(dir $@)
	cp $< $@

# playwright-core for the browser tests (tests/browser/), exactly as locked
# in package-lock.json; it drives Debian's Chromium, never a browser of its
# own. The pages need no npm package.
browser-deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# A shared object may leave symbols undefined, and Kore would only find a
# handler missing from routes.def when it loads the module: check here.
CHECK_HANDLERS	= for h in $$(sed -n 's/^ROUTE\(_REPLICA\)*([A-Z]*, *"[^"]*", *\([a-z_]*\))/\2/p' \
		  kore-app/routes.def); do nm -D --defined-only $@ | \
		  grep -qw "$$h" || { echo "$@: handler $$h of routes.def is not \
		  defined"; rm -f $@; exit 1; }; done

$(BUILD)/handbook.so: $(MODULE_OBJ)
	$(CC) -shared -o $@ $(MODULE_OBJ) $(LDLIBS)
	@$(CHECK_HANDLERS)

# The content checker and importer (content/README.md); it segments Khmer
# for the search index with the module's kore-app/khmer.c.
$(BUILD)/tools/hbcontent: tools/hbcontent.c kore-app/khmer.c kore-app/utf8.c \
    $(MODULE_HDR)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g $(WARNINGS) $(KORE_FEATURES) \
	    -I/usr/include/postgresql -Ikore-app -o $@ tools/hbcontent.c \
	    kore-app/khmer.c kore-app/utf8.c -ljansson -lsodium -lyaml -lpq \
	    -licuuc

# Signing keys for content bundles, and the reference verifier.
$(BUILD)/tools/hbkey: tools/hbkey.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g $(WARNINGS) -o $@ tools/hbkey.c -lsodium

$(BUILD)/tools/hbverify: tools/hbverify.c tools/bundle_verify.c \
    tools/bundle_verify.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g $(WARNINGS) -o $@ tools/hbverify.c \
	    tools/bundle_verify.c -ljansson -lsodium

# The client library (client/README.md): every client/*.c but the hbsync
# command, as a static library. Programs link it with $(CLIENT_LIBS).
# CLIENT_CFLAGS has no Kore features: the library needs nothing of Kore.
CLIENT_SRC	= $(filter-out client/hbsync.c,$(wildcard client/*.c))
CLIENT_OBJ	= $(CLIENT_SRC:client/%.c=$(BUILD)/cobj/%.o)
CLIENT_HDR	= client/handbook_client.h client/client_internal.h
CLIENT_CFLAGS	= -std=gnu11 -D_GNU_SOURCE -O2 -g -fPIC $(WARNINGS)
CLIENT_LIBS	= -lmbedtls -lmbedx509 -lmbedcrypto -lsodium -ljansson
CLIENT_LIB	= $(BUILD)/client/libhandbook_client.a

client-lib: deps
	@$(MAKE) --no-print-directory $(CLIENT_LIB)

$(CLIENT_LIB): $(CLIENT_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $(CLIENT_OBJ)

$(BUILD)/cobj/%.o: client/%.c $(CLIENT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CLIENT_CFLAGS) -Iclient -c -o $@ $<

# The hbsync command (client/README.md, section "hbsync") on the library;
# jansson reads the payloads it writes and its own state.
$(BUILD)/client/hbsync: client/hbsync.c client/handbook_client.h $(CLIENT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CLIENT_CFLAGS) -Iclient -o $@ client/hbsync.c \
	    -L$(BUILD)/client -lhandbook_client $(CLIENT_LIBS)

# The client library's unit tests compile its sources with the sanitizers
# (not the module's pure files).
$(BUILD)/tests/unit/test_client_%: tests/unit/test_client_%.c $(CLIENT_SRC) \
    $(CLIENT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CLIENT_CFLAGS) $(SAN_UNIT) -Iclient -o $@ $< $(CLIENT_SRC) \
	    -lcmocka $(CLIENT_LIBS)

# The integration test's program (tests/integration/client.sh); built
# without sanitizers because it runs under valgrind.
$(BUILD)/tests/client/client_check: tests/client/client_check.c $(CLIENT_LIB) \
    $(CLIENT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CLIENT_CFLAGS) -O0 -Iclient -o $@ $< -L$(BUILD)/client \
	    -lhandbook_client $(CLIENT_LIBS)

$(BUILD)/handbook-test.so: $(MODULE_TOBJ)
	$(CC) -shared $(SAN_MODULE) -o $@ $(MODULE_TOBJ) $(LDLIBS)
	@$(CHECK_HANDLERS)

$(BUILD)/obj/%.o: kore-app/%.c $(MODULE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tobj/%.o: kore-app/%.c $(MODULE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_MODULE) -c -o $@ $<

# Each unit test links the pure files it tests plus cmocka.
$(BUILD)/tests/unit/test_%: tests/unit/test_%.c $(MODULE_HDR) \
    $(PURE:%=kore-app/%.c)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_UNIT) -Ikore-app -o $@ $< \
	    $(PURE:%=kore-app/%.c) -lcmocka $(LDLIBS)

# libFuzzer harnesses (tests/fuzz/README.md), with clang from Debian: each
# links the pure files, bundle_verify.c and the libraries, under ASan and
# UBSan; a UBSan report aborts, so the fuzzer counts it as a crash.
FUZZ_CC		= clang
FUZZ_SRC	= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN	= $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CFLAGS	= -std=gnu11 -O1 -g $(WARNINGS) $(KORE_FEATURES) \
		  -fsanitize=fuzzer,address,undefined \
		  -fno-sanitize-recover=all -fno-omit-frame-pointer \
		  -Ikore-app -Itools -Itests/fuzz

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(MODULE_HDR) \
    $(PURE:%=kore-app/%.c) tools/bundle_verify.c tools/bundle_verify.h \
    tools/hbcontent.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(PURE:%=kore-app/%.c) \
	    tools/bundle_verify.c $(LDLIBS) -lyaml

# Exploring, as opposed to make test's repeatable runs: random seeds and
# the working corpus kept in build/fuzz/work/, FUZZ_SECONDS (300) per target.
fuzz-explore: fuzz
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} tests/fuzz/run

run: build
	@scripts/stack run

stop:
	@scripts/stack down

status:
	@scripts/stack status

migrate:
	@scripts/migrate

# Every problem of the content folder as file:line: message.
content-check: build
	@$(BUILD)/tools/hbcontent check content

# Imports content/ into the configured database (a new version only for
# what changed); `make run` does it at every start.
content-import: build
	@scripts/content-import

# The demo province and its demo accounts (loaded by `make run` into the
# embedded cluster), or with SCALE=province|country a benchmark dataset,
# in the configured database.
demo-data: deps
	@scripts/demo-data $(if $(SCALE),--scale $(SCALE))

test: build build-tests fuzz
	@tests/run

test-unit: build-tests
	@tests/run --unit-only

# Every benchmark of tests/bench/, each on a stack of its own (127.0.0.1
# only), figures with their commands and the machine's description on the
# terminal and in var/bench/. BENCH="login memory" runs only those.
bench: build
	@tests/bench/all.sh $(BENCH)

# testssl.sh and sqlmap against a stack of its own (tests/security/, the
# README's "Security checks"); minutes, so not part of `make test`.
check-security: build build-tests
	@tests/run --security

clean:
	rm -rf $(BUILD)
