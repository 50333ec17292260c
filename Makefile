# sesscache — build, test, demo. `make demo` runs the main example, `make test` runs every test.

CARGO   ?= cargo
CC      ?= cc
PREFIX  ?= /usr/local
BUILD   := build
DEBUG   := target/debug
RELEASE := target/release

# C tests: strict warnings, sanitizers on.
CSTD      := -std=c11 -Wall -Wextra -Werror -g -O1
SANITIZE  := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
CTEST_SRC := $(sort $(wildcard ctests/test_*.c))
# Tests of sesscache-only behaviour (NULL arguments crash OpenSSL): not built against OpenSSL.
SESSCACHE_ONLY := ctests/test_null_args.c ctests/test_stress.c ctests/test_checked.c
CTEST_OURS    := $(patsubst ctests/%.c,$(BUILD)/ctests/sesscache/%,$(CTEST_SRC))
CTEST_OPENSSL := $(patsubst ctests/%.c,$(BUILD)/ctests/openssl/%,$(filter-out $(SESSCACHE_ONLY),$(CTEST_SRC)))
# Tests of the functions that take libcrypto objects (drop-in only): built against the system
# headers, run on the system libssl and on the drop-in.
DROPIN_SRC  := $(sort $(wildcard ctests/dropin_*.c))
CTEST_DROPIN_BIN := $(patsubst ctests/%.c,$(BUILD)/ctests/openssl/%,$(DROPIN_SRC))
# Every test built against OpenSSL also runs on the drop-in libssl.so.3, except the one that
# pins OpenSSL's own deliberate differences from sesscache.
CTEST_ON_DROPIN := $(foreach t,$(filter-out %/test_differences,$(CTEST_OPENSSL)) $(CTEST_DROPIN_BIN),"env LD_LIBRARY_PATH=$(BUILD)/libssl $(t)")

LINK_OURS_DEBUG   := -L$(DEBUG) -Wl,-rpath,$(abspath $(DEBUG)) -lsesscache
LINK_OURS_RELEASE := -L$(RELEASE) -Wl,-rpath,$(abspath $(RELEASE)) -lsesscache

.PHONY: cipher-facts bench-apache apache apache-load valgrindlib openssl-sessions bench-nginx abi-matrix nginx nginx-load fuzz-smoke valgrind bench bench-redis bench-tcp redis libssl conformance examples interop certs all lib debuglib test lint ctest ctest-ours ctest-openssl demo header check-header install clean deps

all: lib

deps:
	@./.ci/deps.sh

lib:
	$(CARGO) build --release

debuglib:
	$(CARGO) build

# Everything: Rust unit tests, lint, header drift, then the C tests against sesscache (ASan+UBSan)
# and, to prove their expectations, against the system OpenSSL 3.0. Ends with "N passed, N failed".
test: deps
	$(CARGO) test
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory check-header
	$(MAKE) --no-print-directory libssl
	$(MAKE) --no-print-directory valgrind
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory ctest

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --lib --features libcrypto -- -D warnings

ctest: debuglib certs examples libssl $(CTEST_OURS) $(CTEST_OPENSSL) $(CTEST_DROPIN_BIN)
	@./ctests/run.sh ./ctests/check_exports.sh "./tools/check_libssl.sh $(BUILD)/libssl" \
	  "./tests/interop/run.sh $(BUILD)" "./tests/tcp/flights.sh $(BUILD)" "./tests/redis/run.sh $(BUILD)" "./ctests/conformance/run.sh $(BUILD)" \
	  "./tests/nginx/run.sh $(BUILD)" "./tests/nginx/load.sh $(BUILD) 8 2 4" \
	  "./tests/apache/run.sh $(BUILD)" "./tests/apache/load.sh $(BUILD) 9 3 4" \
	  $(CTEST_OURS) $(CTEST_OPENSSL) $(CTEST_DROPIN_BIN) $(CTEST_ON_DROPIN)

ctest-ours: debuglib certs $(CTEST_OURS)
	@./ctests/run.sh $(CTEST_OURS)

ctest-openssl: certs $(CTEST_OPENSSL)
	@./ctests/run.sh $(CTEST_OPENSSL)

# The C tests against the release library built with feature `valgrind` (its sealed records
# are marked defined for memcheck, see src/tls/valgrind.rs), without sanitizers, under
# valgrind's leak checker (the stress test runs shorter there: valgrind serialises threads).
VALGRIND_LIB := target/valgrind/release
CTEST_VALGRIND := $(patsubst ctests/%.c,$(BUILD)/ctests/valgrind/%,$(CTEST_SRC))
valgrind: valgrindlib certs $(CTEST_VALGRIND)
	@STRESS_SECONDS=1 ./ctests/run.sh ./tools/valgrind_supp_check.sh $(foreach t,$(CTEST_VALGRIND),"valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 --suppressions=ctests/valgrind.supp $(t)")

valgrindlib:
	$(CARGO) build --release --features valgrind --target-dir target/valgrind

$(BUILD)/ctests/valgrind/%: ctests/%.c ctests/check.h ctests/tls_pair.h ctests/counting.h ctests/session_describe.h ctests/openssl_sessions.h include/openssl/ssl.h valgrindlib
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -g -O1 -Iinclude -Ictests $< -o $@ -L$(VALGRIND_LIB) -Wl,-rpath,$(abspath $(VALGRIND_LIB)) -lsesscache

$(RELEASE)/libsesscache.so: lib

# Each fuzz target for 60 s (cargo fuzz on the stable toolchain, libFuzzer).
fuzz-smoke:
	@./tools/fuzz_smoke.sh 60

# The test PKI (a CA and a localhost server certificate), made with the openssl command.
certs:
	@./ctests/make_certs.sh $(BUILD)/certs

$(BUILD)/ctests/sesscache/%: ctests/%.c ctests/check.h ctests/tls_pair.h ctests/counting.h ctests/session_describe.h ctests/openssl_sessions.h include/openssl/ssl.h $(DEBUG)/libsesscache.so
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(SANITIZE) -Iinclude -Ictests $< -o $@ $(LINK_OURS_DEBUG)

$(BUILD)/ctests/openssl/%: ctests/%.c ctests/check.h ctests/tls_pair.h ctests/counting.h ctests/session_describe.h ctests/openssl_sessions.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(SANITIZE) -Ictests $< -o $@ -lssl -lcrypto

$(DEBUG)/libsesscache.so: debuglib

EXAMPLE_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -Iinclude -Iexamples
# The farm-wide session cache on Redis (hiredis), compiled into the example server.
REDIS_CACHE := examples/redis_cache/redis_cache.c
REDIS_LIBS  := -lhiredis -pthread

# The examples, linked with the release library.
examples: lib certs
	@mkdir -p $(BUILD)
	$(CC) $(EXAMPLE_CFLAGS) examples/server.c $(REDIS_CACHE) -o $(BUILD)/server $(LINK_OURS_RELEASE) $(REDIS_LIBS)
	$(CC) $(EXAMPLE_CFLAGS) examples/client.c -o $(BUILD)/client $(LINK_OURS_RELEASE)
	$(CC) $(EXAMPLE_CFLAGS) examples/external_cache.c -o $(BUILD)/external_cache $(LINK_OURS_RELEASE)
	$(CC) $(EXAMPLE_CFLAGS) tests/interop/sess_fields.c -o $(BUILD)/sess_fields $(LINK_OURS_RELEASE)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -Iexamples examples/server.c $(REDIS_CACHE) -o $(BUILD)/server-openssl \
	  -lssl -lcrypto $(REDIS_LIBS)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 examples/client.c -o $(BUILD)/client-openssl -lssl -lcrypto

# The main job: a TLS server keeping its sessions in an external cache, and a client resuming.
demo: deps examples
	@./examples/demo.sh $(BUILD)

# Real peers: openssl s_client / s_server and Python's ssl module against the examples.
interop: examples
	@./tests/interop/run.sh $(BUILD)

# A farm of two servers (two processes, two SSL_CTX) sharing a real redis-server: resumption
# across servers, Redis down and back, removal on one server seen by the other.
redis: deps examples
	@./tests/redis/run.sh $(BUILD)

# Debian's nginx, unmodified, on the system OpenSSL and on the drop-in side by side
# (tests/nginx/run.sh; nginx is extracted from its Debian package, never started as a service).
nginx: deps certs libssl
	@./tests/nginx/run.sh $(BUILD)

# Debian's Apache httpd (mod_ssl), unmodified, on the system OpenSSL and on the drop-in side by
# side (tests/apache/run.sh; extracted from apache2-bin, never started as a service).
apache: deps certs libssl
	@./tests/apache/run.sh $(BUILD)

# 30 s of parallel s_time clients against two Apache on the drop-in sharing one Redis, with a
# graceful restart every 5 s and Redis stopped for the middle third.
apache-load: deps certs libssl
	@./tests/apache/load.sh $(BUILD) 30 5 4

# 30 s of parallel s_time clients against nginx on the drop-in with a reload every 5 s.
nginx-load: deps certs libssl
	@./tests/nginx/load.sh $(BUILD) 30 5 4

# How many libssl functions each session-caching program of Debian 12 imports, and how many
# the drop-in provides (tools/abi_matrix.sh, from the binaries of their packages).
abi-matrix: libssl
	@./tools/abi_matrix.sh $(BUILD) --missing

# Regenerates the table of what OpenSSL answers about each suite (src/core/cipher_facts.rs).
cipher-facts:
	$(CC) $(CSTD) tools/cipher_facts_gen.c -o $(BUILD)/cipher_facts_gen -lssl -lcrypto
	$(BUILD)/cipher_facts_gen > src/core/cipher_facts.rs

# Regenerates the committed fixture of OpenSSL-written sessions (test_d2i_openssl.c).
openssl-sessions: certs
	$(CC) $(CSTD) -Ictests tools/openssl_sessions_gen.c -o $(BUILD)/openssl_sessions_gen -lssl -lcrypto
	$(BUILD)/openssl_sessions_gen > ctests/openssl_sessions.h

# The binary drop-in: libssl.so.3 (SONAME libssl.so.3, symbols versioned OPENSSL_3.0.0).
libssl:
	@./tools/make_libssl.sh $(BUILD)/libssl
	@./tools/check_libssl.sh $(BUILD)/libssl

# The same scenario programs on OpenSSL 3.0 and on sesscache, source and binary forms; their
# traces must be byte-identical.
conformance: debuglib certs libssl
	@./ctests/conformance/run.sh $(BUILD)

# Performance against the system OpenSSL, same program, same run (with the Redis farm cache rows):
# bench/results.md and .svg.
bench: deps lib certs
	@./bench/run.sh $(BUILD)

# Resumed TLS 1.2 handshakes/s with the Redis cache and with the internal cache (needs
# redis-server; one is started on a free port and stopped afterwards).
bench-redis: deps lib certs
	@mkdir -p $(BUILD)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -Iinclude -Iexamples bench/redis_bench.c $(REDIS_CACHE) \
	  -o $(BUILD)/redis_bench $(LINK_OURS_RELEASE) $(REDIS_LIBS)
	@./tests/redis/with_redis.sh $(BUILD)/redis_bench

# Full and resumed TLS 1.2 / 1.3 handshakes over TCP on 127.0.0.1, both libraries driven by
# openssl s_time (bench/tcp.sh): connections/s and server CPU per connection, into
# bench/results.md and .svg (make bench runs it too).
bench-tcp: deps lib certs
	@mkdir -p $(BUILD)
	@./bench/tcp.sh $(BUILD)

# Full and resumed handshakes through Debian's nginx on both libraries, driven by openssl
# s_time (bench/nginx.sh): connections/s and nginx's CPU per connection, into bench/results.md.
bench-nginx: deps lib certs libssl
	@mkdir -p $(BUILD)
	@./bench/nginx.sh $(BUILD)

# Resumed handshakes through Debian's Apache httpd with shmcb and with Redis, both libraries.
bench-apache: deps lib certs libssl
	@mkdir -p $(BUILD)
	@./bench/apache.sh $(BUILD)

# Regenerate the committed header from src/ffi.
header: debuglib
	cp target/include/openssl/ssl.h include/openssl/ssl.h

check-header: debuglib
	@cmp -s target/include/openssl/ssl.h include/openssl/ssl.h \
	  || { echo "include/openssl/ssl.h is stale: run 'make header' and commit it"; exit 1; }
	@echo "header up to date"

install: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/openssl $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(RELEASE)/libsesscache.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(RELEASE)/libsesscache.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/openssl/ssl.h $(DESTDIR)$(PREFIX)/include/openssl/ssl.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' sesscache.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sesscache.pc

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
