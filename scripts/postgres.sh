#!/usr/bin/env bash
# Private PostgreSQL clusters for development and tests.
#
#   scripts/postgres.sh run DIR CMD [ARGS...]    cluster in DIR (created on first use, data kept)
#   scripts/postgres.sh run --temp CMD [ARGS...] throwaway cluster, deleted afterwards
#   scripts/postgres.sh start DIR                start; print DATABASE_URL on stdout
#   scripts/postgres.sh stop DIR                 stop (data kept)
#
# `run` exports DATABASE_URL=postgres://postgres@127.0.0.1:PORT/ateliers?sslmode=disable
# to CMD, stops the cluster once CMD has exited (on Ctrl-C or TERM, after
# CMD has shut down; see on_signal) and exits with CMD's status. If the
# cluster in DIR was already running, `run` uses it and leaves it running:
# someone else owns it.
#
# Environment: PG_BINDIR=dir forces the directory holding initdb/pg_ctl/postgres.
#
# As root the server runs as the postgres user, which often cannot reach DIR
# (a clone under /root, 0700 on Debian and Ubuntu). A new cluster for such a
# DIR goes to /var/lib/ateliers/HASH/postgres instead, HASH being the first
# 12 hex digits of the sha256 of DIR's absolute path, so every run, start and
# stop with the same DIR finds it; a line on stderr says so each time.
#
# Why a private cluster rather than the system one: no shared state, no
# passwords, no dependency on how the machine's service is configured, and
# tests can throw the whole cluster away.
set -euo pipefail

readonly db_name=ateliers
# Below 32768, where Linux picks the local ports of outgoing connections: a port in that
# range can be held by a client connection and refuse our bind although it looked free.
readonly first_port=25432
readonly last_port=25531
# Inside DIR, next to the cluster, so a restart can reuse the port the
# developer's tools were last pointed at.
readonly port_file=ateliers.port

# stdout belongs to `start` (the URL) and to CMD; every tool we call (initdb,
# pg_ctl, apt-get) chats on stdout, so route all of it to stderr and keep the
# real stdout on fd 3. Messages go to a copy of stderr on fd 4 because traps
# (and so cleanup) can fire inside a `>/dev/null` redirection.
exec 3>&1 4>&2 1>&2
# CI may start us with stdin closed; the next file opened would then become
# some program's stdin.
[ -e /dev/fd/0 ] || exec </dev/null

log() { printf 'postgres.sh: %s\n' "$*" >&4 2>/dev/null || true; }
die() { log "error: $*"; exit 1; }

# If whoever reads our stderr goes away (`... 2>&1 | head`), a log line must
# not kill us before cleanup. A handler, unlike ignoring, is not inherited.
trap : PIPE

usage() {
	sed -n '2,7s/^# \{0,1\}//p' "$0"
	exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# PostgreSQL refuses to run as root, so server-side commands run as the
# `postgres` system user when we are root. cd / first: initdb and pg_ctl
# call getcwd() and fail if the caller's directory (often /root) is not
# readable by postgres. fds 3 and 4 are closed because the server daemon
# would inherit them and hold our stdout open: `$(postgres.sh start DIR)`
# would never return.
as_pg() {
	if is_root; then
		(cd / && runuser -u postgres -- "$@") 3>&- 4>&-
	else
		"$@" 3>&- 4>&-
	fi
}

# ---------------------------------------------------------------------------
# Locating (or installing) the server binaries.

# Prints the newest directory holding a usable server, preferring major
# version $1 if given (an existing cluster can only be run by its own major).
find_bindir() {
	local want=${1:-} d
	# Debian/Ubuntu keep servers in versioned directories off PATH, and
	# `pg_config --bindir` often names the client-only /usr/bin.
	if [ -n "$want" ] && [ -x "/usr/lib/postgresql/$want/bin/postgres" ]; then
		echo "/usr/lib/postgresql/$want/bin"
		return
	fi
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV); do
		if [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	done
	if d=$(command -v initdb); then
		# Resolve symlinks such as /usr/local/bin/initdb -> .../15/bin/initdb
		# so that postgres and pg_ctl are looked up next to the real binary.
		d=$(dirname "$(readlink -f "$d")")
		if [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	fi
	return 1
}

install_server() {
	if ! is_root; then
		log "PostgreSQL server binaries (initdb, postgres) not found."
		log "Install them with:  sudo apt-get install postgresql"
		log "(or set PG_BINDIR to the directory that contains initdb)"
		exit 1
	fi
	command -v apt-get >/dev/null ||
		die "PostgreSQL server not found and no apt-get to install it; install PostgreSQL (initdb, pg_ctl, postgres) or set PG_BINDIR"
	log "PostgreSQL server not found; installing it with apt-get"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
	# The Debian package creates and starts a system cluster ("main" on
	# port 5432). We never use it, and it can only have been started by the
	# install above (there were no server binaries before), so stop it
	# rather than leave a stray server behind on CI machines.
	if command -v pg_lsclusters >/dev/null; then
		local ver name _
		while read -r ver name _; do
			pg_ctlcluster "$ver" "$name" stop || true
		done < <(pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online"')
	fi
}

# Sets bindir, installing the server if needed. $1: major version wanted.
setup_bindir() {
	local want=${1:-}
	if [ -n "${PG_BINDIR:-}" ]; then
		if ! [ -x "$PG_BINDIR/initdb" ] || ! [ -x "$PG_BINDIR/postgres" ] || ! [ -x "$PG_BINDIR/pg_ctl" ]; then
			die "PG_BINDIR=$PG_BINDIR does not contain initdb, pg_ctl and postgres"
		fi
		bindir=$PG_BINDIR
	elif ! bindir=$(find_bindir "$want"); then
		install_server
		bindir=$(find_bindir "$want") || die "PostgreSQL installed but initdb/postgres still not found"
	fi
	if [ -n "$want" ]; then
		local have
		have=$("$bindir/postgres" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')
		[ "$have" = "$want" ] ||
			die "the cluster in $pgdata was created by PostgreSQL $want but $bindir is PostgreSQL $have; install postgresql-$want, or delete $pgdata (its data will be lost)"
	fi
}

# Client tools: from the server's directory if there, else from PATH.
client() {
	local tool=$1
	shift
	if [ -x "$bindir/$tool" ]; then
		"$bindir/$tool" "$@"
	else
		"$tool" "$@"
	fi
}

# ---------------------------------------------------------------------------
# Preparing the data directory.

ensure_postgres_user() {
	is_root || return 0
	command -v runuser >/dev/null || die "running as root requires runuser (util-linux) to drop to the postgres user"
	if ! id -u postgres >/dev/null 2>&1; then
		log "creating system user postgres"
		useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin postgres
	fi
}

# Prints the first ancestor of $1 (not $1 itself, which take_ownership hands
# to postgres) that the postgres user cannot enter; fails if there is none.
blocked_ancestor() {
	local target=$1 path=/ part
	local -a parts
	IFS=/ read -ra parts <<<"${target#/}"
	for part in "${parts[@]}"; do
		[ -n "$part" ] || continue
		path=${path%/}/$part
		[ "$path" = "$target" ] && break
		if ! runuser -u postgres -- test -x "$path"; then
			echo "$path"
			return 0
		fi
	done
	return 1
}

# The server runs as postgres, so every ancestor of DIR must be searchable by
# it; the server's own error does not say which directory is at fault. Only
# reached for a cluster that already exists in DIR (a new one is relocated
# instead): its data cannot be moved behind the user's back.
check_traversable() {
	is_root || return 0
	local blocked
	if blocked=$(blocked_ancestor "$pgdata"); then
		die "the postgres user cannot enter $blocked; run: chmod o+x $blocked (or choose a directory elsewhere)"
	fi
}

# Where the cluster for DIR (absolute) lives when postgres cannot reach DIR.
readonly relocation_root=/var/lib/ateliers
relocated_dir() {
	local sum
	sum=$(printf '%s' "$1" | sha256sum)
	echo "$relocation_root/${sum:0:12}/postgres"
}

# As root, if DIR holds no cluster but its relocated directory does, switches
# pgdata there. Checked before reachability, so a DIR made reachable since
# (chmod o+x) still finds, and can stop, the cluster it already has.
find_relocated() {
	is_root && [ "$temp" = 0 ] || return 0
	[ -f "$pgdata/PG_VERSION" ] && return 0
	local alt why blocked
	alt=$(relocated_dir "$pgdata")
	[ -f "$alt/PG_VERSION" ] || return 0
	why="it was created when the postgres user could not reach $pgdata"
	if id -u postgres >/dev/null 2>&1 && blocked=$(blocked_ancestor "$pgdata"); then
		why="the postgres user cannot enter $blocked"
	fi
	log "the cluster for $pgdata lives in $alt ($why)"
	pgdata=$alt
}

# As root, for a new cluster: if the postgres user cannot reach DIR, creates
# the cluster's directory under $relocation_root instead and switches pgdata
# there. DIR stays as it is (created, empty).
relocate_if_unreachable() {
	is_root && [ "$temp" = 0 ] || return 0
	[ -f "$pgdata/PG_VERSION" ] && return 0
	local blocked alt
	blocked=$(blocked_ancestor "$pgdata") || return 0
	alt=$(relocated_dir "$pgdata")
	log "the cluster for $pgdata lives in $alt (the postgres user cannot enter $blocked)"
	# Each directory whose mode matters is named, so -m reaches all of them.
	# shellcheck disable=SC2174
	mkdir -p -m 0755 "$relocation_root" "${alt%/*}"
	# shellcheck disable=SC2174
	mkdir -p -m 0700 "$alt"
	chown postgres: "$alt"
	pgdata=$alt
}

# Makes DIR absolute, creating it, and refuses to take over a directory that
# holds anything but a cluster: `run . make` must not chown the project.
resolve_dir() {
	mkdir -p "$pgdata"
	pgdata=$(cd "$pgdata" && pwd -P)
	[ -f "$pgdata/PG_VERSION" ] || [ -z "$(ls -A "$pgdata")" ] ||
		die "$pgdata is neither empty nor a PostgreSQL data directory; refusing to use it"
}

# As root, hands DIR over to the postgres user that will run the server.
take_ownership() {
	is_root || return 0
	check_traversable
	if [ -f "$pgdata/PG_VERSION" ]; then
		local owner
		owner=$(stat -c %U "$pgdata/PG_VERSION")
		[ "$owner" = postgres ] ||
			die "$pgdata belongs to $owner, but as root the server runs as postgres; run: chown -R postgres: $pgdata"
	else
		chown postgres: "$pgdata"
	fi
}

init_cluster() {
	[ -f "$pgdata/PG_VERSION" ] && return
	local -a opts=(--auth=trust -U postgres -E UTF8)
	# C.UTF-8 gives UTF-8 character classification with byte-order collation
	# (fast, and identical on every machine); not all systems ship it.
	local locales
	locales=$(locale -a 2>/dev/null || true)
	if grep -Eqix 'c\.utf-?8' <<<"$locales"; then
		opts+=(--locale=C.UTF-8)
	else
		opts+=(--no-locale)
	fi
	# A throwaway cluster does not need its files fsynced.
	[ "$temp" = 1 ] && opts+=(--no-sync)
	log "creating cluster in $pgdata"
	as_pg "$bindir/initdb" -D "$pgdata" "${opts[@]}" >/dev/null
	# Settings go into postgresql.conf (rather than pg_ctl -o) so that a
	# cluster started by hand behaves the same. trust authentication is
	# only acceptable because nothing but loopback TCP is reachable: no
	# Unix socket (whose path length limit long data directories exceed).
	{
		echo
		echo "# Added by scripts/postgres.sh"
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = ''"
		# Test packages run in parallel, each with its own connection pool.
		echo "max_connections = 300"
		if [ "$temp" = 1 ]; then
			# Data is thrown away, so trade durability for speed.
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
		fi
	} | as_pg tee -a "$pgdata/postgresql.conf" >/dev/null
}

# ---------------------------------------------------------------------------
# Running state.

# True if DIR's postmaster is alive. pg_ctl only checks that *some* process
# has the recorded PID, which after a container restart is often an
# unrelated process, so where /proc exists we also check it is a postgres,
# and delete a stale pid file that would otherwise block startup.
is_running() {
	local pidfile=$pgdata/postmaster.pid pid
	[ -f "$pidfile" ] || return 1
	pid=$(head -n 1 "$pidfile")
	if [ -d /proc/self ]; then
		local stat=
		stat=$(cat "/proc/$pid/stat" 2>/dev/null || true)
		# "PID (comm) STATE ...": a zombie is as dead as a missing process.
		if [[ $stat == "$pid (postgres) "* && $stat != "$pid (postgres) Z"* ]]; then
			return 0
		fi
		log "removing stale $pidfile (process $pid is not a running postgres)"
		as_pg rm -f "$pidfile"
		return 1
	fi
	as_pg "$bindir/pg_ctl" status -D "$pgdata" >/dev/null
}

# The port of the running postmaster (line 4 of postmaster.pid).
running_port() { sed -n 4p "$pgdata/postmaster.pid"; }

port_free() { ! (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a free port: the remembered one if possible, else the first free
# one scanning the range from $1 (wrapping around).
pick_port() {
	local from=$1 n=$((last_port - first_port + 1)) i p
	if [ -f "$pgdata/$port_file" ]; then
		p=$(cat "$pgdata/$port_file")
		if [[ $p =~ ^[0-9]+$ ]] && port_free "$p"; then
			echo "$p"
			return
		fi
	fi
	for ((i = 0; i < n; i++)); do
		p=$((first_port + (from - first_port + i) % n))
		if port_free "$p"; then
			echo "$p"
			return
		fi
	done
	return 1
}

# Starts the cluster, setting $port. Another process (e.g. a parallel
# `run --temp`) can grab the port between our check and the server's bind,
# so retry with a fresh port when that is what went wrong.
start_cluster() {
	local attempt from=$first_port pg_ctl_said=""
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		# Parallel starts (several `make test`) all racing for the lowest
		# free port would collide repeatedly; throwaway clusters and
		# retries start scanning at a random port instead.
		if [ "$temp" = 1 ] || [ "$attempt" -gt 1 ]; then
			from=$((first_port + RANDOM % (last_port - first_port + 1)))
		fi
		port=$(pick_port "$from") || die "no free TCP port in $first_port-$last_port"
		log "starting PostgreSQL on 127.0.0.1:$port ($pgdata)"
		# pg_ctl's own complaint is kept until we know it is final: a retry must not look
		# like a failure.
		if pg_ctl_said=$(as_pg "$bindir/pg_ctl" start -w -s -D "$pgdata" -l "$pgdata/server.log" -o "-p $port" 2>&1 >/dev/null); then
			printf '%s\n' "$port" | as_pg tee "$pgdata/$port_file" >/dev/null
			return
		fi
		if port_free "$port"; then
			break
		fi
		log "port $port was taken meanwhile; retrying on another port"
	done
	[ -n "$pg_ctl_said" ] && printf '%s\n' "$pg_ctl_said" >&2
	log "server failed to start; end of $pgdata/server.log:"
	tail -n 20 "$pgdata/server.log" || true
	exit 1
}

stop_cluster() {
	local mode=$1 pid
	is_running || return 0
	log "stopping PostgreSQL ($pgdata)"
	if ! as_pg "$bindir/pg_ctl" stop -w -s -D "$pgdata" -m "$mode"; then
		# Last resort, only for clusters we own and are about to delete:
		# leaving a server running on a deleted directory is worse.
		if [ "$temp" = 1 ] && is_running; then
			pid=$(head -n 1 "$pgdata/postmaster.pid")
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
}

ensure_database() {
	local admin="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	local sql="select 1 from pg_database where datname = '$db_name'"
	# -X: a developer's ~/.psqlrc must not change the output we parse.
	if [ -z "$(client psql -X -q -At -d "$admin" -c "$sql")" ]; then
		# Tolerate a concurrent creator: only fail if it still is missing.
		client psql -X -q -d "$admin" -c "create database $db_name" >/dev/null ||
			[ -n "$(client psql -X -q -At -d "$admin" -c "$sql")" ] ||
			die "could not create database $db_name"
	fi
	DATABASE_URL="postgres://postgres@127.0.0.1:$port/$db_name?sslmode=disable"
}

# Brings the cluster up; sets owned=1 if this invocation started the server.
bring_up() {
	resolve_dir
	find_relocated
	local want=
	[ -f "$pgdata/PG_VERSION" ] && want=$(cat "$pgdata/PG_VERSION")
	setup_bindir "$want"
	ensure_postgres_user
	relocate_if_unreachable
	take_ownership
	init_cluster
	if is_running; then
		port=$(running_port)
		log "using the server already running on 127.0.0.1:$port ($pgdata)"
	else
		# Set before starting: if we are interrupted while the server comes
		# up, cleanup must still stop it.
		owned=1
		start_cluster
	fi
	ensure_database
}

# ---------------------------------------------------------------------------
# Commands.

# Lower-case globals: the environment passes through to CMD, and an
# upper-case name such as PORT (which the server reads) would be clobbered.
pgdata='' temp=0 owned=0 port='' bindir='' child='' DATABASE_URL=''

# shellcheck disable=SC2317 # invoked by trap
cleanup() {
	local rc=$?
	set +e
	exec 1>&4 2>&4
	# A second Ctrl-C must not abort the shutdown half-way and leave a
	# server running (children inherit the ignore, pg_ctl included); nor
	# must a log line to a reader that has gone (`... 2>&1 | head`).
	trap '' INT TERM HUP QUIT PIPE
	if [ "$owned" = 1 ] && [ -n "$bindir" ]; then
		# Throwaway data needs no shutdown checkpoint.
		if [ "$temp" = 1 ]; then stop_cluster immediate; else stop_cluster fast; fi
	fi
	if [ "$temp" = 1 ] && [ -n "$pgdata" ]; then
		rm -rf "$pgdata"
	fi
	exit "$rc"
}

# Before CMD exists, a signal just ends the script (cleanup runs). Once it
# runs, we keep waiting for CMD and clean up after it has finished with the
# database. INT, QUIT and HUP normally come from the terminal, which sends
# them to the whole process group, CMD included; forwarding them too would
# deliver each twice, and servers often take a second Ctrl-C as "skip the
# graceful shutdown". So only a repeated INT is forwarded, for when it is
# aimed at this script alone. TERM usually is (kill, timeout): forward it.
ints=0
# shellcheck disable=SC2317 # invoked by trap
on_signal() {
	local sig=$1 num=$2
	[ -n "$child" ] || exit $((128 + num))
	case $sig in
	TERM) kill -TERM "$child" 2>/dev/null || true ;;
	INT) ((++ints < 2)) || kill -INT "$child" 2>/dev/null || true ;;
	esac
}

cmd_run() {
	[ $# -ge 1 ] || usage
	if [ "$1" = --temp ]; then
		temp=1
		shift
	else
		pgdata=$1
		shift
	fi
	[ $# -ge 1 ] || usage
	trap cleanup EXIT
	trap 'on_signal INT 2' INT
	trap 'on_signal TERM 15' TERM
	trap 'on_signal HUP 1' HUP
	trap 'on_signal QUIT 3' QUIT
	if [ "$temp" = 1 ]; then
		# Under /tmp explicitly: $TMPDIR may be private to the invoking user.
		pgdata=$(mktemp -d /tmp/ateliers-pg.XXXXXX)
	fi
	bring_up
	export DATABASE_URL

	# CMD runs in the background so that this shell can receive signals and
	# outlive it. Bash makes background jobs ignore INT/QUIT; `trap -` in the
	# subshell restores the original dispositions before exec, so CMD reacts
	# to Ctrl-C as if run directly. Explicit <&0 keeps stdin (otherwise
	# /dev/null), so interactive commands such as psql work.
	(
		trap - INT QUIT
		exec "$@"
	) <&0 >&3 3>&- 4>&- &
	child=$!
	local rc
	while :; do
		wait "$child" && rc=0 || rc=$?
		# Above 128, either CMD died of a signal or a trapped signal cut the
		# wait short; in the latter case CMD is still alive: wait again.
		if [ "$rc" -le 128 ] || ! kill -0 "$child" 2>/dev/null; then
			break
		fi
	done
	exit "$rc"
}

cmd_start() {
	[ $# -eq 1 ] || usage
	pgdata=$1
	bring_up
	echo "$DATABASE_URL" >&3
}

cmd_stop() {
	[ $# -eq 1 ] || usage
	pgdata=$1
	[ -d "$pgdata" ] || die "$pgdata does not exist"
	pgdata=$(cd "$pgdata" && pwd -P)
	find_relocated
	[ -f "$pgdata/PG_VERSION" ] || die "$pgdata is not a PostgreSQL data directory"
	if ! [ -f "$pgdata/postmaster.pid" ]; then
		log "not running ($pgdata)"
		return
	fi
	setup_bindir "$(cat "$pgdata/PG_VERSION")"
	if is_running; then
		stop_cluster fast
	else
		log "not running ($pgdata)"
	fi
}

# Braces: bash reads scripts lazily, so parse the dispatch and its exit in
# one go and an edit to this file cannot derail a running instance.
{
	[ $# -ge 1 ] || usage
	cmd=$1
	shift
	case $cmd in
	run) cmd_run "$@" ;;
	start) cmd_start "$@" ;;
	stop) cmd_stop "$@" ;;
	*) usage ;;
	esac
	exit 0
}
