#!/usr/bin/env bash
# Checks the typed client examples of clients/ against schema.graphql. Exits non-zero on the
# first failure.
#
#   scripts/clients.sh
#
# clients/go (its own Go module, outside the root's ./...): genqlient's generated.go is what
# `go generate` makes from the schema and operations.graphql, every scalar of the schema has a
# binding (go test), and go vet and go build pass.
# clients/typescript: graphql-codegen (client preset, strictScalars) generates the types into
# src/gql/ (git-ignored, made anew each run), and tsc --strict --noEmit checks src/ with them.
#
# Needs Go, Node 20+ and npm. `npm ci` installs the pinned packages of
# clients/typescript/package-lock.json into clients/typescript/node_modules, once: when that
# folder exists (and is newer than the lockfile) it is reused, so the check runs offline after
# a first install and a first download of the Go module's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
GOFMT=$("$GO" env GOROOT)/bin/gofmt

echo "clients/go: go generate (genqlient) must leave the folder unchanged"
# Compare the folder with a copy taken before: no git needed, and a work tree with edits of its
# own (a new operation generated but not committed) is judged on what it holds.
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
cp -R clients/go/. "$before"
(cd clients/go && "$GO" generate ./...)
if ! diff -ru "$before" clients/go >&2; then
	echo "clients: go generate changed clients/go (above): run it there and commit the result" >&2
	exit 1
fi

echo "clients/go: every scalar of the schema has a binding in genqlient.yaml (go test)"
(cd clients/go && "$GO" test -count=1 ./...)

echo "clients/go: go vet, gofmt, go build"
(cd clients/go && "$GO" vet ./...)
unformatted=$("$GOFMT" -l clients/go)
if [ -n "$unformatted" ]; then
	echo "clients: these files need gofmt -w:" >&2
	echo "$unformatted" >&2
	exit 1
fi
(cd clients/go && "$GO" build ./...)

command -v node >/dev/null || { echo "clients: node (20 or newer) is required" >&2; exit 1; }
cd clients/typescript
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	command -v npm >/dev/null || { echo "clients: npm is required to install clients/typescript's packages" >&2; exit 1; }
	echo "clients/typescript: npm ci"
	npm ci --no-audit --no-fund
fi

echo "clients/typescript: graphql-codegen (client preset, strictScalars) into src/gql/"
rm -rf src/gql
npx --no -- graphql-codegen --config codegen.ts

echo "clients/typescript: tsc --strict --noEmit"
npx --no -- tsc --strict --noEmit

echo "clients: ok"
