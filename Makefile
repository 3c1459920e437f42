# Bulwark's build and test entry points. `make test` is the one command CI
# runs (.ci/run): scripts/test.sh installs what the tests need (Anvil from
# npm into the git-ignored .tools/; staticcheck built once per machine into
# ~/.cache/bulwark-tools, linked from .tools/bin) and runs the format
# check, go vet, staticcheck, the tests of the packages with concurrent
# code under the race detector, the other packages' tests, the cli
# package's and the corpus-wide runs without it, overlapping what it can
# and reusing go test's cache (the script says how and why; TEST_COUNT=1
# runs every test again). `make race` runs every package's tests under the
# race detector.

GO      ?= go
TOOLS   := $(CURDIR)/.tools

# -trimpath: compiled packages are cached under their import path rather
# than the directory they were built in, so a fresh clone anywhere reuses
# what an earlier build compiled (go vet's results too), and the tests'
# own `go build` (which inherits GOFLAGS) reuses them. Your GOFLAGS stay.
export GOFLAGS := $(strip -trimpath $(filter-out -trimpath,$(shell $(GO) env GOFLAGS 2>/dev/null)))
export PATH := $(TOOLS)/bin:$(PATH)
export BULWARK_ANVIL ?= $(TOOLS)/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil

.PHONY: all build test race test-deps lint fmt-check vet staticcheck bench fuzz serve clean

all: build

build:
	$(GO) build -o bin/bulwark ./cmd/bulwark

serve: build
	./bin/bulwark serve

test-deps:
	@bash scripts/install-test-deps.sh

test:
	@GO="$(GO)" bash scripts/test.sh

# Every package's tests under the race detector, the cli package's too (the
# corpus-wide runs skip themselves under it: make test runs them without).
race: test-deps
	$(GO) test -race -count=1 -timeout 25m ./...

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.tools/*')); \
	if [ -n "$$out" ]; then echo "not gofmt-formatted (run gofmt -w):"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	@bash scripts/install-test-deps.sh staticcheck
	staticcheck ./...

# Benchmarks (not part of `make test`); figures go to docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Short fuzzing of every parser; seed corpora live in */testdata/fuzz/.
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
