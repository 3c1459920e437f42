# Bulwark's build and test entry points. `make test` is the one command CI
# runs (.ci/run): it installs what the tests need (Anvil from npm and
# staticcheck, into the git-ignored .tools/), then runs the format check,
# go vet, staticcheck, the whole race-enabled test suite, and the
# corpus-wide runs without the race detector.

GO      ?= go
TOOLS   := $(CURDIR)/.tools

# -trimpath: compiled packages are cached under their import path rather
# than the directory they were built in, so a fresh clone anywhere reuses
# what an earlier build compiled (go vet's results too), and the tests'
# own `go build` (which inherits GOFLAGS) reuses them. Your GOFLAGS stay.
export GOFLAGS := $(strip -trimpath $(filter-out -trimpath,$(shell $(GO) env GOFLAGS 2>/dev/null)))
export PATH := $(TOOLS)/bin:$(PATH)
export BULWARK_ANVIL ?= $(TOOLS)/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil

.PHONY: all build test test-deps lint fmt-check vet staticcheck unit bench fuzz serve clean

all: build

build:
	$(GO) build -o bin/bulwark ./cmd/bulwark

serve: build
	./bin/bulwark serve

test-deps:
	@bash scripts/install-test-deps.sh

test: test-deps lint unit

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.tools/*')); \
	if [ -n "$$out" ]; then echo "not gofmt-formatted (run gofmt -w):"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	staticcheck ./...

# Tests named TestCorpus… (internal/race.Corpus) check thousands of public
# records or generated inputs in one goroutine: the race detector skips
# them, and they run here a second time without it, in the packages that
# have them.
CORPUS_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' --exclude-dir=.tools --exclude-dir=.git 'func TestCorpus' .)))

unit:
	$(GO) test -race -count=1 -timeout 25m ./...
	$(GO) test -count=1 -timeout 25m -run '^TestCorpus' $(CORPUS_PKGS)

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
