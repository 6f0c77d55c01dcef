# A thin front over CMake presets; CMake is the real build.
#   make demo    install what is missing, build, run the demo
#   make check   install what is missing, build, run every test (ctest)
#   make bench   build and run every benchmark
PRESET ?= default
JOBS ?= $(shell nproc)
# ccache: paths inside this checkout are hashed relative to it, so a fresh
# clone elsewhere (CI) reuses what an earlier build compiled.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all deps configure build check check-asan check-deb fuzz demo bench install clean

all: build

deps:
	./scripts/install-deps

configure: deps
	cmake --preset $(PRESET)

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

# Every test but the Debian package build (label deb: two full package
# builds from fresh clones, ~25 min; `make check-deb` runs it).
# The real-Tor tests (label tor) run on their own afterwards: a private Tor
# network occasionally needs minutes to become usable (shared/TOR-TESTNET.md:
# about 1 run in 21), so they get one retry.
EXCLUDE ?= deb
TOR_TESTS ?= yes
check: build
	ctest --preset $(PRESET) -j $(JOBS) -LE '$(EXCLUDE)|tor'
ifeq ($(TOR_TESTS),yes)
	ctest --preset $(PRESET) -L tor --repeat until-pass:2
endif

check-deb: build
	ctest --preset $(PRESET) -L deb --output-on-failure

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (the
# private Tor network test runs once, in the plain build: under ASan it only
# costs time; the VM test is plain-build only, see tests/vm).
check-asan:
	$(MAKE) check PRESET=asan TOR_TESTS=no

# libFuzzer targets (clang), each run briefly: only the fuzz targets are
# built with clang, the rest of the tree is the other presets' business.
FUZZ_TARGETS = fuzz_tx fuzz_script fuzz_header fuzz_address netd_fuzz_jsonrpc netd_fuzz_socks_reply
fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	ctest --preset fuzz -L fuzz

demo: build
	./scripts/demo build/$(PRESET)

bench: configure
	cmake --build --preset $(PRESET) -j $(JOBS) --target bench

install: build
	cmake --install build/$(PRESET)

clean:
	rm -rf build
