# custody: the two commands a new user runs are `make demo` and `make check`.
BUILD       ?= build
CHECK_BUILD ?= build-check
FUZZ_BUILD  ?= build-fuzz

PREFIX      ?= /usr/local

.PHONY: all deps demo check bench install clean

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release -Dtests=false --prefix=$(abspath $(PREFIX))

deps:
	@scripts/deps.sh

demo: all
	scripts/demo.sh $(BUILD)

check: deps
	scripts/check.sh

# custody on the PATH: the program, its man pages and translations under PREFIX
# (meson install; DESTDIR is honoured for packaging).
install: all
	meson configure $(BUILD) -Dprefix=$(abspath $(PREFIX))
	meson install -C $(BUILD) --quiet

bench: all
	bench/import.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(FUZZ_BUILD) demo-vault demo-sample
