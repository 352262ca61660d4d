#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed, for the headless-browser test of GraphiQL
# (server/graphiql_test.go, which drives /usr/bin/chromium).
#
#   scripts/chromium.sh
#
# Installs the `chromium` package with apt-get when it is missing and we are root (as CI is);
# otherwise says what to install and exits non-zero. Does nothing when Chromium is there.
#
# Why Debian's package rather than a browser that a Go or npm tool downloads: only the package
# registries are reachable from CI, and a distribution's build gets security updates with the
# rest of the machine.
set -euo pipefail

readonly chromium=/usr/bin/chromium

log() { printf 'chromium.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [ -x "$chromium" ]; then
	log "$("$chromium" --version 2>/dev/null || echo "$chromium") is installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	log "Chromium ($chromium) not found."
	log "Install it with:  sudo apt-get install chromium"
	log "(without it the GraphiQL browser test is skipped, except under CI=true where it fails)"
	exit 1
fi
command -v apt-get >/dev/null ||
	die "Chromium not found and no apt-get to install it; install Chromium so that $chromium exists"
log "Chromium not found; installing it with apt-get"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
[ -x "$chromium" ] || die "the chromium package is installed but $chromium is still missing"
log "$("$chromium" --version 2>/dev/null || echo "$chromium") installed"
