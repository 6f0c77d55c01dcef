# A thin front over CMake presets; CMake is the real build.
#   make demo    install what is missing, build, run the demo
#   make check   install what is missing, build, run every test (ctest)
#   make bench   build and run every benchmark
PRESET ?= default
JOBS ?= $(shell nproc)

.PHONY: all deps configure build check check-asan fuzz demo bench install clean

all: build

deps:
	./scripts/install-deps

configure: deps
	cmake --preset $(PRESET)

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

check: build
	ctest --preset $(PRESET) -j $(JOBS)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check-asan:
	$(MAKE) check PRESET=asan

# libFuzzer targets (clang), each run briefly.
fuzz:
	$(MAKE) check PRESET=fuzz

demo: build
	./scripts/demo build/$(PRESET)

bench: configure
	cmake --build --preset $(PRESET) -j $(JOBS) --target bench

install: build
	cmake --install build/$(PRESET)

clean:
	rm -rf build
