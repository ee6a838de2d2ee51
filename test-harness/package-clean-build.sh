#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages build from their Build-Depends alone: a fresh
# minimal Debian of this machine's release (mmdebstrap, variant buildd:
# essential packages and build-essential) gets exactly the packages that
# packaging/debian/control lists in Build-Depends, nothing of the test
# suite's, and dpkg-buildpackage builds both binary packages in it from a
# copy of what git tracks (unit tests included: check-unit). This is what
# apt build-dep, sbuild or mk-build-deps do on a clean machine.
#
# Needs root, mmdebstrap, and Debian's package archive (the chroot is
# made from it). Not part of make check; test-harness/run-tests.sh runs it
# as the "builddeps" stage (MG_SKIP=builddeps leaves it out). The last
# line is "builddeps: N passed, M failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"
mg_test_name=package-clean-build
passed=0

finished=n
report() {
    local failed=${#mg_failed_checks[@]}
    [ "$finished" = y ] || [ "$failed" -gt 0 ] || failed=1
    echo "builddeps: $passed passed, $failed failed"
}
fail() {
    mg_failed_checks+=("$*")
    printf 'FAIL: %s: %s\n' "$mg_test_name" "$*" >&2
    exit 1
}
pcheck() { if check "$@"; then passed=$((passed + 1)); fi; }

[ "$(id -u)" -eq 0 ] || { echo "package-clean-build: run as root"; echo "builddeps: 0 passed, 1 failed"; exit 1; }
command -v mmdebstrap >/dev/null || { echo "package-clean-build: no mmdebstrap (test-harness/install-deps.sh)"; echo "builddeps: 0 passed, 1 failed"; exit 1; }

work=$(mktemp -d /tmp/md5gate-cleanbuild.XXXXXX) || exit 1
root=$work/chroot
cleanup() {
    umount "$root/proc" 2>/dev/null
    if [ "${MG_TEST_KEEP:-}" = y ]; then note "kept $work"; else rm -rf "$work"; fi
}
cleanup_push cleanup
cleanup_push report

# Build-Depends as package names (versions and alternatives dropped;
# debhelper-compat is provided by debhelper).
build_depends() {
    sed -n '/^Build-Depends:/,/^[^ ]/{/^Build-Depends:/{s/^Build-Depends://;p;d};/^ /p}' \
	"$top/packaging/debian/control" \
	| tr ',' '\n' | sed 's/([^)]*)//g; s/\[[^]]*\]//g; s/|.*//; s/^[[:space:]]*//; s/[[:space:]]*$//' \
	| sed '/^$/d; s/^debhelper-compat$/debhelper/' | paste -sd, -
}
deps=$(build_depends)
[ -n "$deps" ] || fail "no Build-Depends in packaging/debian/control"
. /etc/os-release
suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
note "a minimal $suite with only: $deps"

make_chroot() {
    mmdebstrap --variant=buildd --include="$deps" "$suite" "$root" >"$work/mmdebstrap.log" 2>&1 \
	|| { tail -n 20 "$work/mmdebstrap.log"; why "mmdebstrap failed"; }
}
pcheck "a minimal $suite with the Build-Depends alone" make_chroot || fail "no chroot"

copy_tree() {
    local src=$root/build/md5gate
    mkdir -p "$src" || return 1
    if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard \
	    | xargs -0 -I{} sh -c '[ -e "$1" ] && printf "%s\0" "$1"' _ {} \
	    | tar --null -T - -cf -) | tar -x -C "$src"
    else
	tar -C "$top" --exclude='./_build*' --exclude=./debian -cf - . | tar -x -C "$src"
    fi || { why "cannot copy the source tree"; return 1; }
    cp -r "$src/packaging/debian" "$src/debian" || why "no packaging/debian"
}
pcheck "the source tree in the chroot" copy_tree || fail "no source tree"

build() {
    mount -t proc proc "$root/proc" || { why "cannot mount /proc in the chroot"; return 1; }
    chroot "$root" sh -c 'cd /build/md5gate && DEB_BUILD_OPTIONS="parallel=2" dpkg-buildpackage -us -uc -b' \
	>"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; why "dpkg-buildpackage failed"; }
    umount "$root/proc"
    [ -z "$mg_why" ]
}
pcheck "dpkg-buildpackage in the chroot (unit tests included)" build

debs() {
    local p
    for p in libsasl2-modules-md5gate md5gate-tools; do
	ls "$root"/build/${p}_*.deb >/dev/null 2>&1 || why "no $p package"
    done
    [ -z "$mg_why" ]
}
pcheck "both binary packages built" debs

finished=y
checks_done
