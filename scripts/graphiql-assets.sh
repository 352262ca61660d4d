#!/usr/bin/env bash
# Fetches the GraphiQL page's vendored JavaScript and CSS from the npm registry, at the versions
# pinned below, into server/graphiql/assets/NAME-VERSION/ (with each package's LICENSE), and
# points server/graphiql/page.html and the table in server/graphiql/README.md at them.
#
#   scripts/graphiql-assets.sh
#
# To update: change a version below, run the script once (it fails and prints the new
# version's integrity), paste that integrity here, run it again, then run the GraphiQL tests
# (go test -run Graphiql ./server/ on a database) and commit the result.
#
# Why vendored rather than loaded from a CDN: GraphiQL must work behind filtering proxies and
# offline, and the page's Content-Security-Policy then allows nothing but its own origin.
# Why GraphiQL 4 with React 18: the last GraphiQL with a single-file UMD build, which a page can
# load without a bundler (GraphiQL 5 is ES modules only; React 19 has no UMD build).
#
# Needs npm (to reach the registry), tar, sha256sum and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

# name, version, npm integrity of the tarball (`npm view NAME@VERSION dist.integrity`), then
# the files of the package to serve.
readonly packages=(
	"graphiql 4.1.2 sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg== graphiql.min.js graphiql.min.css"
	"react 18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ== umd/react.production.min.js"
	"react-dom 18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw== umd/react-dom.production.min.js"
)
readonly dest=server/graphiql/assets page=server/graphiql/page.html readme=server/graphiql/README.md

log() { printf 'graphiql-assets.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v npm >/dev/null || die "npm is required to reach the npm registry"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every tarball is fetched and checked before anything in the tree changes.
for entry in "${packages[@]}"; do
	read -r name version integrity _ <<<"$entry"
	log "npm pack $name@$version"
	tgz=$(cd "$tmp" && npm pack --silent "$name@$version")
	got="sha512-$(openssl dgst -sha512 -binary "$tmp/$tgz" | base64 -w0)"
	[ "$got" = "$integrity" ] ||
		die "$name@$version: the registry's tarball has integrity $got, not the pinned $integrity"
	mkdir "$tmp/$name"
	tar -xzf "$tmp/$tgz" -C "$tmp/$name"
done

table="| package | version | npm integrity of the tarball | file: bytes, sha256 |
| --- | --- | --- | --- |"
for entry in "${packages[@]}"; do
	read -r name version integrity files <<<"$entry"
	# Stale versions go, so that the binary embeds only what the page loads.
	rm -rf "${dest:?}/$name"-[0-9]*
	dir=$dest/$name-$version
	mkdir -p "$dir"
	cp "$tmp/$name/package/LICENSE" "$dir/LICENSE"
	sums=
	for f in $files; do
		cp "$tmp/$name/package/$f" "$dir/"
		base=${f##*/}
		sums+="${sums:+<br>}\`$base\`: $(wc -c <"$dir/$base") B, \`$(sha256sum "$dir/$base" | cut -c1-64)\`"
		log "  $dir/$base"
	done
	table+="
| [$name](https://www.npmjs.com/package/$name) | $version | \`$integrity\` | $sums |"
	# The page names each file by its versioned folder.
	sed -i -E "s#/graphiql/$name-[0-9][^/]*/#/graphiql/$name-$version/#g" "$page"
done

# The table between the markers of the README is ours; the prose around it is not touched.
awk -v table="$table" '
	/<!-- begin versions/ { print; print table; skip = 1; next }
	/<!-- end versions/ { skip = 0 }
	!skip
' "$readme" >"$tmp/README.md"
cat "$tmp/README.md" >"$readme"
log "done; review with: git status server/graphiql"
