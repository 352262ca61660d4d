# Needs only Go, git, make and bash; PostgreSQL is found or installed by
# scripts/postgres.sh.

GO ?= go
GOFMT ?= $(shell $(GO) env GOROOT)/bin/gofmt
# Extra flags for `go test`, e.g. make test TESTFLAGS='-run TestBooking -v'
TESTFLAGS ?=
# Packages to test, e.g. make test PKGS=./graph/...
PKGS ?= ./...
# Development database cluster (kept between runs, git-ignored).
DEV_PGDATA ?= .data/postgres

.DEFAULT_GOAL := help
.PHONY: help build run test check generate audit clients

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## build: compile the server to bin/server
build:
	@[ -x bin/server ] || echo "Building bin/server: the first build downloads and compiles the Go modules, a few minutes on two cores; later builds take seconds."
	$(GO) build -o bin/server ./server

# The binary is built first and exec'd (rather than `go run`) so that
# Ctrl-C and TERM reach the server itself and it can shut down gracefully.
# The demo data's API keys are public, so a server holding them listens on
# loopback only, and may deliver webhooks to a receiver on this machine; with
# DATABASE_URL the environment decides.
## run: run the server against DATABASE_URL if set, or else against a private cluster in .data/postgres seeded with demo data
run: build
	@if [ -n "$${DATABASE_URL:-}" ]; then \
		exec bin/server; \
	else \
		exec scripts/postgres.sh run $(DEV_PGDATA) env DEMO_DATA=1 LISTEN_HOST=127.0.0.1 WEBHOOK_ALLOW_LOOPBACK=on bin/server; \
	fi

## test: run all tests with the race detector against a throwaway PostgreSQL cluster
test:
	scripts/postgres.sh run --temp $(GO) test -race -count=1 $(TESTFLAGS) $(PKGS)

# Needs Node 20+ and npm as well (npm only for the first install of the pinned packages).
## audit: run the graphql-http audit suite (GraphQL over HTTP) against bin/server on a throwaway PostgreSQL cluster; fails on any MUST failure
audit:
	GO=$(GO) scripts/audit/run.sh

# Compares snapshots of the whole work tree (tracked and untracked files,
# through a scratch git index) taken before and after `go generate`: in a
# clean clone this is exactly "git status shows no changes", and it stays
# meaningful in a work tree with uncommitted edits.
## check: fail if generated code is stale, go vet complains or files need gofmt
check:
	@idx=$$(git rev-parse --git-path check-generate.index) && \
	snapshot() { rm -f "$$idx" && GIT_INDEX_FILE="$$idx" git add -A && GIT_INDEX_FILE="$$idx" git write-tree; } && \
	before=$$(snapshot) && \
	echo "$(GO) generate ./..." && $(GO) generate ./... && \
	after=$$(snapshot) && rm -f "$$idx" && \
	if [ "$$before" != "$$after" ]; then \
		echo "error: go generate changed these files; run 'make generate' and commit the result:" >&2; \
		git --no-pager diff --stat "$$before" "$$after" >&2; \
		git --no-pager diff "$$before" "$$after" >&2; \
		exit 1; \
	fi
	$(GO) vet ./...
	@unformatted=$$($(GOFMT) -l .) && \
	if [ -n "$$unformatted" ]; then \
		echo "error: these files need gofmt -w:" >&2; \
		echo "$$unformatted" >&2; \
		exit 1; \
	fi

## clients: check the typed-client examples of clients/ (genqlient, graphql-codegen) against schema.graphql; needs Node 20+ and npm
clients:
	GO=$(GO) scripts/clients.sh

## generate: regenerate code (go generate ./...)
generate:
	$(GO) generate ./...

# The national-scale benchmark (bench/main.go says what it measures). Extra flags: BENCHFLAGS, e.g.
# make bench BENCHFLAGS='-scale=0.1 -duration=10s'. The bench binary is built first and
# exec'd so that Ctrl-C and TERM reach it; it stops the server it started.
BENCHFLAGS ?=
# Flags of bench-live, e.g. make bench-live LIVEFLAGS='-subscribers=2000 -rate=50'
LIVEFLAGS ?=
.PHONY: bench bench-quick bench-live

## bench: benchmark the API against its SQL floor and against PostGraphile (needs npm) at national scale (1,000,000 slots) on a throwaway PostgreSQL cluster; writes bench/results/latest.md
bench:
	$(GO) build -o bin/bench ./bench
	GO=$(GO) scripts/postgres.sh run --temp bin/bench -compare=0.02 $(BENCHFLAGS)

## bench-quick: the same scaled down (10,000 slots, 1 s runs), as CI runs it; writes bench/results/quick.md
bench-quick:
	$(GO) build -o bin/bench ./bench
	GO=$(GO) scripts/postgres.sh run --temp bin/bench -quick -scale=0.01 -instances=2 $(BENCHFLAGS)

## bench-live: live seat counts under load (bench/live): 1,000 WebSocket subscribers across 2 server instances, registrations flowing, on a throwaway PostgreSQL; time from commit to delivery (p50, p99) and the servers' memory; writes bench/results/live.md
bench-live:
	$(GO) build -o bin/bench-live ./bench/live
	GO=$(GO) scripts/postgres.sh run --temp bin/bench-live $(LIVEFLAGS)
