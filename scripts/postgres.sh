#!/usr/bin/env bash
# Private PostgreSQL clusters for development and tests.
#
#   scripts/postgres.sh run DIR CMD [ARGS...]    cluster in DIR (created on first use, data kept)
#   scripts/postgres.sh run --temp CMD [ARGS...] throwaway cluster, deleted afterwards
#   scripts/postgres.sh start DIR                start; print DATABASE_URL on stdout
#   scripts/postgres.sh start DIR --replica-of P the same, created as a streaming replica of P
#   scripts/postgres.sh stop DIR                 stop (data kept)
#
# `run` exports DATABASE_URL=postgres://postgres@/ateliers?host=SOCKETDIR&sslmode=disable to CMD,
# stops the cluster once CMD has exited (see on_signal) and exits with CMD's status; a cluster
# already running is left running. `psql "$(scripts/postgres.sh start DIR)"` opens a shell.
# The server listens on a Unix socket in DIR/socket, on no TCP port: nothing to pick or collide
# on, and only DIR's owner (and root) can connect, which makes trust authentication acceptable.
# A DIR too long for a socket path (107 bytes) or needing escapes in a URL has its socket in
# /tmp/ateliers-HASH. As root the server runs as the postgres user (PostgreSQL refuses root); a
# new cluster for a DIR that user cannot reach (a clone under /root) lives in
# /var/lib/ateliers/HASH/postgres, where every later run, start and stop finds it, saying so.
# HASH: 12 hex digits of the sha256 of DIR's absolute path. PG_BINDIR=dir forces the server's
# directory; with no server found, root installs one with apt-get. Private clusters share no
# state, need no password, and tests can throw them away.
set -euo pipefail

# stdout belongs to `start` (the URL) and to CMD; what the tools we call (initdb, pg_ctl, apt-get)
# print goes to stderr, the real stdout stays on fd 3. Messages go to a copy of stderr on fd 4:
# traps (and so cleanup) can fire inside a `>/dev/null`. CI may start us with stdin closed, and
# the next file opened would become some program's stdin. A log line to a reader that went away
# (`... 2>&1 | head`) must not kill us before cleanup: a handler, unlike ignoring, is not inherited.
exec 3>&1 4>&2 1>&2
[ -e /dev/fd/0 ] || exec </dev/null
trap : PIPE
log() { printf 'postgres.sh: %s\n' "$*" >&4 2>/dev/null || true; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 2; }
is_root() { [ "$(id -u)" -eq 0 ]; }
hash12() { local s; s=$(printf '%s' "$1" | sha256sum); echo "${s:0:12}"; }

# Server-side commands run as the postgres user when we are root. cd / first: initdb and pg_ctl
# call getcwd() and fail in a directory postgres cannot read (often /root). fds 3 and 4 are
# closed, or the server daemon would inherit them and `$(postgres.sh start DIR)` never return.
as_pg() {
	if is_root; then (cd / && runuser -u postgres -- "$@") 3>&- 4>&-; else "$@" 3>&- 4>&-; fi
}

# Prints PG_BINDIR, or the newest directory holding a server, preferring major version $1 (a
# cluster can only be run by its own; the server's log says so). Debian keeps servers off PATH;
# a symlinked initdb on PATH is resolved to find postgres and pg_ctl next to the real binary.
find_bindir() {
	local d dirs=("${PG_BINDIR:-}")
	[ -n "${PG_BINDIR:-}" ] || mapfile -t dirs < <(echo "/usr/lib/postgresql/$1/bin"
		printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV
		d=$(command -v initdb) && dirname "$(readlink -f "$d")")
	for d in "${dirs[@]}"; do [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ] && echo "$d" && return; done
	return 1
}

# Sets bindir for the cluster in pgdata, installing a server if there is none. The package starts
# a system cluster ("main") that only this install can have started: stop it, leave no stray one.
setup_bindir() {
	local want='' ver name _
	[ -f "$pgdata/PG_VERSION" ] && want=$(cat "$pgdata/PG_VERSION")
	if ! bindir=$(find_bindir "$want"); then
		[ -z "${PG_BINDIR:-}" ] || die "PG_BINDIR=$PG_BINDIR does not contain initdb, pg_ctl and postgres"
		is_root || die "PostgreSQL server binaries (initdb, postgres) not found; install them with: sudo apt-get install postgresql (or set PG_BINDIR to the directory that contains initdb)"
		command -v apt-get >/dev/null || die "PostgreSQL server not found and no apt-get to install it; install PostgreSQL or set PG_BINDIR"
		log "PostgreSQL server not found; installing it with apt-get"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
		while read -r ver name _; do pg_ctlcluster "$ver" "$name" stop || true; done \
			< <(pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online"')
		bindir=$(find_bindir "$want") || die "PostgreSQL installed but initdb/postgres still not found"
	fi
	[ -z "$want" ] || [ "$("$bindir/postgres" -V | grep -o '[0-9]*' | head -1)" = "$want" ] ||
		die "$pgdata was made by PostgreSQL $want, which is not installed: install postgresql-$want, or delete $pgdata to start afresh"
}

# Prints the topmost folder above $1 that the postgres user cannot enter (the server's own error
# does not say which); fails if there is none.
blocked() {
	local p=$1 b=''
	while p=${p%/*} && [ -n "$p" ]; do runuser -u postgres -- test -x "$p" || b=$p; done
	[ -n "$b" ] && echo "$b"
}

# As root, when DIR holds no cluster: moves pgdata to DIR's relocated directory if a cluster lives
# there (even once a chmod o+x made DIR reachable) or, with $1 = new, if the postgres user cannot
# reach DIR; DIR stays empty. mkdir's -m only reaches the directories it names.
relocate() {
	is_root && [ "$temp" = 0 ] && ! [ -f "$pgdata/PG_VERSION" ] || return 0
	local alt b
	alt=/var/lib/ateliers/$(hash12 "$pgdata")/postgres
	if [ -f "$alt/PG_VERSION" ]; then b="the postgres user could not reach $pgdata when it was created"
	elif [ "${1:-}" = new ] && b=$(blocked "$pgdata"); then b="the postgres user cannot enter $b"
	else return 0; fi
	log "the cluster for $pgdata lives in $alt ($b)"
	# shellcheck disable=SC2174
	mkdir -p -m 0755 "${alt%/*/*}" "${alt%/*}" && mkdir -p -m 0700 "$alt"
	pgdata=$alt
}

# True if DIR's server is alive. pg_ctl only checks that *some* process has the recorded PID,
# after a container restart often an unrelated one: we check in /proc that it is a postgres and
# no zombie ("PID (comm) STATE ..."), and delete a stale pid file that would block startup.
is_running() {
	local pidfile=$pgdata/postmaster.pid pid stat
	[ -f "$pidfile" ] || return 1
	pid=$(head -n 1 "$pidfile")
	stat=$(cat "/proc/$pid/stat" 2>/dev/null || true)
	[[ $stat == "$pid (postgres) "* && $stat != "$pid (postgres) Z"* ]] && return 0
	log "removing stale $pidfile (process $pid is not a running postgres)"
	as_pg rm -f "$pidfile"
	return 1
}

# Brings the cluster up (created if needed), sets DATABASE_URL, and owned=1 if we start it.
# `run . make` must not take over (chown) the project; an existing cluster is never moved.
bring_up() {
	local b owner sockdir
	mkdir -p "$pgdata"
	pgdata=$(cd "$pgdata" && pwd -P)
	[ -f "$pgdata/PG_VERSION" ] || [ -z "$(ls -A "$pgdata")" ] ||
		die "$pgdata is neither empty nor a PostgreSQL data directory; refusing to use it"
	relocate
	setup_bindir # after which (apt-get) the postgres user exists, or is ours to create
	if is_root; then
		id -u postgres >/dev/null 2>&1 || { log "creating system user postgres" &&
			useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin postgres; }
		relocate new
		if ! [ -f "$pgdata/PG_VERSION" ]; then
			chown postgres: "$pgdata"
		elif b=$(blocked "$pgdata"); then
			die "the postgres user cannot enter $b; run: chmod o+x $b (or choose a directory elsewhere)"
		elif owner=$(stat -c %U "$pgdata/PG_VERSION") && [ "$owner" != postgres ]; then
			die "$pgdata belongs to $owner, but as root the server runs as postgres; run: chown -R postgres: $pgdata"
		fi
	fi
	[ -f "$pgdata/PG_VERSION" ] || if [ -n "$replica_of" ]; then base_backup; else init_cluster; fi
	# owned is set before starting: if we are interrupted meanwhile, cleanup must still stop it.
	if is_running; then log "using the server already running ($pgdata)"; else owned=1 && start_cluster; fi
	sockdir=$(sed -n 5p "$pgdata/postmaster.pid")
	[ -n "$sockdir" ] || die "the server of $pgdata has no Unix socket (an older postgres.sh started it); stop it: $0 stop $pgdata"
	[[ $sockdir == /* ]] || sockdir=$pgdata/$sockdir # started by hand: relative to the data
	DATABASE_URL="postgres://postgres@/ateliers?host=$sockdir&sslmode=disable"
	# -X: a ~/.psqlrc must not change what we run. A concurrent creator is no failure.
	local psql=$bindir/psql admin="postgres://postgres@/postgres?host=$sockdir&sslmode=disable"
	[ -x "$psql" ] || psql=psql
	"$psql" -X -q -d "$DATABASE_URL" -c '' 2>/dev/null ||
		"$psql" -X -q -d "$admin" -c 'create database ateliers' ||
		"$psql" -X -q -d "$DATABASE_URL" -c '' || die "could not create database ateliers"
}

# C.UTF-8: UTF-8 character classes, byte-order collation (fast, the same everywhere), not always
# shipped. Test packages run in parallel, each with its own pool. Throwaway data needs no fsync.
# A cluster started by hand listens as ours do (a relative socket folder is the data's own).
init_cluster() {
	local -a opts=(--auth=trust -U postgres -E UTF8 --no-locale)
	! grep -Eqix 'c\.utf-?8' <<<"$(locale -a 2>/dev/null)" || opts[-1]=--locale=C.UTF-8
	[ "$temp" = 0 ] || opts+=(--no-sync)
	log "creating cluster in $pgdata"
	as_pg "$bindir/initdb" -D "$pgdata" "${opts[@]}" >/dev/null
	{
		printf '\n# Added by scripts/postgres.sh\nmax_connections = 300\n'
		printf '%s\n' "listen_addresses = ''" "unix_socket_directories = 'socket'"
		[ "$temp" = 0 ] || printf '%s\n' "fsync = off" "synchronous_commit = off" "full_page_writes = off"
	} | as_pg tee -a "$pgdata/postgresql.conf" >/dev/null
}

# A streaming replica of the cluster running in $replica_of: a base backup that streams the WAL
# it needs (-X stream) and writes the standby settings (-R), so that once started it follows
# the primary. The primary's socket folder comes along; its lock file names the primary's live
# postmaster, which would stop the replica from starting: the replica makes its own, and its
# own log.
base_backup() {
	local src sock
	src=$(cd "$replica_of" 2>/dev/null && pwd -P) && [ -f "$src/postmaster.pid" ] ||
		die "--replica-of $replica_of: no running cluster there"
	sock=$(sed -n 5p "$src/postmaster.pid")
	[[ $sock == /* ]] || sock=$src/$sock
	log "creating $pgdata as a streaming replica of $src (pg_basebackup)"
	as_pg "$bindir/pg_basebackup" -D "$pgdata" -R -X stream -c fast -h "$sock" -U postgres 2>/dev/null
	as_pg rm -rf "$pgdata/socket" "$pgdata/server.log"
	as_pg chmod 0700 "$pgdata"
}

# Where to listen goes on pg_ctl's command line too, so that a cluster an older postgres.sh set
# to TCP starts the same way, and postmaster.pid records the absolute socket folder. 93: 107
# bytes less /.s.PGSQL.5432.
# Under /tmp someone else could make the directory first, and then swap the socket.
start_cluster() {
	local sockdir=$pgdata/socket
	if [ "${#sockdir}" -gt 93 ] || [[ $sockdir =~ [^A-Za-z0-9/._-] ]]; then
		sockdir=/tmp/ateliers-$(hash12 "$pgdata")
	fi
	as_pg mkdir -p -m 0700 "$sockdir"
	as_pg test -O "$sockdir" || die "$sockdir belongs to another user; remove it and try again"
	log "starting PostgreSQL on $sockdir ($pgdata)"
	as_pg "$bindir/pg_ctl" start -w -s -D "$pgdata" -l "$pgdata/server.log" -o "-h '' -k '$sockdir'" || {
		log "server failed to start; end of $pgdata/server.log:"
		tail -n 20 "$pgdata/server.log" || true
		exit 1
	}
}

# Throwaway data needs no shutdown checkpoint. If the stop fails, kill only a cluster we are
# about to delete: a server left running on a deleted directory is worse.
stop_cluster() {
	is_running || return 0
	log "stopping PostgreSQL ($pgdata)"
	as_pg "$bindir/pg_ctl" stop -w -s -D "$pgdata" -m "$([ "$temp" = 1 ] && echo immediate || echo fast)" ||
		{ [ "$temp" = 1 ] && is_running && kill -KILL "$(head -n 1 "$pgdata/postmaster.pid")"; } || true
}

# Lower-case globals: the environment passes through to CMD, and an upper-case name such as
# PORT (which the server reads) would be clobbered.
pgdata='' temp=0 owned=0 bindir='' child='' ints=0 DATABASE_URL='' replica_of=''

# A second Ctrl-C must not abort the shutdown half-way and leave a server running (children,
# pg_ctl included, inherit the ignore); nor must a log line to a reader that has gone.
# shellcheck disable=SC2317 # invoked by trap
cleanup() {
	local rc=$?
	set +e
	exec 1>&4 2>&4
	trap '' INT TERM HUP QUIT PIPE
	[ "$owned" = 0 ] || [ -z "$bindir" ] || stop_cluster
	[ "$temp" = 0 ] || [ -z "$pgdata" ] || rm -rf "$pgdata"
	exit "$rc"
}

# Before CMD exists, a signal just ends the script (cleanup runs). Once it runs, we wait for it
# and clean up after it has finished with the database. INT, QUIT and HUP normally come from the
# terminal, which sends them to the whole process group, CMD included: forwarding them would
# deliver each twice, and servers often take a second Ctrl-C as "skip the graceful shutdown".
# So only a repeated INT is forwarded, for when it is aimed at this script alone. TERM usually
# is (kill, timeout): forward it.
# shellcheck disable=SC2317 # invoked by trap
on_signal() {
	[ -n "$child" ] || exit $((128 + $(kill -l "$1")))
	case $1 in
	TERM) kill -TERM "$child" 2>/dev/null || true ;;
	INT) ((++ints < 2)) || kill -INT "$child" 2>/dev/null || true ;;
	esac
}

# CMD runs in the background so that this shell receives signals and outlives it. Bash makes
# background jobs ignore INT and QUIT; `trap -` restores them, so CMD takes Ctrl-C as if run
# directly; <&0 keeps stdin (else /dev/null) for psql. A wait above 128 is CMD killed by a signal
# or a trapped signal cutting the wait short: then CMD lives on, wait again. /tmp explicitly:
# $TMPDIR may be private to the invoking user.
cmd_run() {
	[ $# -ge 2 ] || usage
	if [ "$1" = --temp ]; then temp=1; else pgdata=$1; fi
	shift
	trap cleanup EXIT
	# shellcheck disable=SC2064 # expanded now on purpose
	for sig in INT TERM HUP QUIT; do trap "on_signal $sig" "$sig"; done
	[ "$temp" = 0 ] || pgdata=$(mktemp -d /tmp/ateliers-pg.XXXXXX)
	bring_up
	export DATABASE_URL
	(trap - INT QUIT && exec "$@") <&0 >&3 3>&- 4>&- &
	child=$!
	local rc
	while :; do
		wait "$child" && rc=0 || rc=$?
		if [ "$rc" -le 128 ] || ! kill -0 "$child" 2>/dev/null; then exit "$rc"; fi
	done
}

cmd_start() {
	[ $# -eq 1 ] || { [ $# -eq 3 ] && [ "$2" = --replica-of ]; } || usage
	pgdata=$1 replica_of=${3:-}
	bring_up
	echo "$DATABASE_URL" >&3
}

# Without a pid file there is nothing to stop, and no server binaries are needed.
cmd_stop() {
	[ $# -eq 1 ] || usage
	pgdata=$(cd "$1" 2>/dev/null && pwd -P) || die "$1 does not exist"
	relocate
	[ -f "$pgdata/PG_VERSION" ] || die "$pgdata is not a PostgreSQL data directory"
	[ -f "$pgdata/postmaster.pid" ] || { log "not running ($pgdata)"; return; }
	setup_bindir
	if is_running; then stop_cluster; else log "not running ($pgdata)"; fi
}

# Braces: bash reads scripts lazily, so parse the dispatch and its exit in one go and an edit
# to this file cannot derail a running instance.
{
	case ${1:-} in
	run) shift && cmd_run "$@" ;;
	start) shift && cmd_start "$@" ;;
	stop) shift && cmd_stop "$@" ;;
	*) usage ;;
	esac
	exit 0
}
