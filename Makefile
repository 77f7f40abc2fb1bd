# custody.  On a fresh machine the two commands are ./demo and ./check (they install make
# and the rest first); once the tools are there, `make demo` and `make check` do the same.
BUILD       ?= build
CHECK_BUILD ?= build-check
FUZZ_BUILD  ?= build-fuzz
TSAN_BUILD  ?= build-tsan

PREFIX      ?= /usr/local

.PHONY: all deps demo check bench install clean

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release -Dtests=false --prefix=$(abspath $(PREFIX))

# each target installs only what it needs (scripts/deps.sh build|check|bench)
deps:
	@scripts/deps.sh build

demo: all
	scripts/demo.sh $(BUILD)

check:
	@scripts/deps.sh check
	@CHECK_BUILD=$(CHECK_BUILD) FUZZ_BUILD=$(FUZZ_BUILD) TSAN_BUILD=$(TSAN_BUILD) scripts/check.sh

# custody on the PATH: the program, its man pages and translations under PREFIX
# (meson install; DESTDIR is honoured for packaging).
install: all
	meson configure $(BUILD) -Dprefix=$(abspath $(PREFIX))
	meson install -C $(BUILD) --quiet

bench: all
	@scripts/deps.sh bench
	bench/import.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD) demo-vault demo-vault.passwords demo-sample
