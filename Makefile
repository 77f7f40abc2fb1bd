# custody: the two commands a new user runs are `make demo` and `make check`.
BUILD       ?= build
CHECK_BUILD ?= build-check
FUZZ_BUILD  ?= build-fuzz

.PHONY: all deps demo check bench clean

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release -Dtests=false

deps:
	@scripts/deps.sh

demo: all
	scripts/demo.sh $(BUILD)

check: deps
	scripts/check.sh

bench: all
	bench/import.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(FUZZ_BUILD) demo-vault demo-sample
