#!/usr/bin/env bash
# Runs the GraphQL over HTTP audit suite (npm graphql-http, auditServer) against the real
# server binary on a throwaway PostgreSQL cluster. Exits non-zero if any MUST audit fails.
#
#   scripts/audit/run.sh          (or: make audit)
#
# Needs Go, Node 20+ and npm besides what `make test` needs. `npm ci` installs the pinned
# packages of package-lock.json into scripts/audit/node_modules, once: when that folder
# exists it is reused, so the audit runs offline after a first install.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v node >/dev/null || { echo "audit: node (20 or newer) is required" >&2; exit 1; }
if [ ! -d scripts/audit/node_modules ]; then
	command -v npm >/dev/null || { echo "audit: npm is required to install scripts/audit's packages" >&2; exit 1; }
	(cd scripts/audit && npm ci --no-audit --no-fund)
fi

${GO:-go} build -o bin/server ./server

# Inside the cluster's lifetime (DATABASE_URL exported by postgres.sh): start the server on a
# free loopback port, wait for /healthz, audit, and stop the server whatever the outcome.
# Its log goes to a file, shown only if something fails.
scripts/postgres.sh run --temp bash -c '
	set -euo pipefail
	port=$(node -e "const s=require(\"net\").createServer();s.listen(0,\"127.0.0.1\",()=>{console.log(s.address().port);s.close()})")
	log=$(mktemp)
	PORT=$port LISTEN_HOST=127.0.0.1 bin/server >"$log" 2>&1 &
	pid=$!
	stop_server() {
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	}
	trap "stop_server; rm -f \"$log\"" EXIT
	trap "exit 143" TERM INT
	ready=
	for _ in $(seq 1 150); do
		if node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "http://127.0.0.1:$port/healthz"; then
			ready=1
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		echo "audit: bin/server did not answer /healthz on port $port; its log:" >&2
		cat "$log" >&2
		exit 1
	fi
	status=0
	node scripts/audit/audit.mjs "http://127.0.0.1:$port/graphql" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "audit: server log:" >&2
		cat "$log" >&2
	fi
	exit "$status"
'
