#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# stock-plugins.sh STOCKDIR VIEWDIR: print the directory the tests should
# take the stock Cyrus plugins from.
#
# Normally that is STOCKDIR itself. On a machine where md5gate's Debian
# package is installed, dpkg has renamed (diverted) the stock libcrammd5
# and libdigestmd5 files to *.distrib, and md5gate's own tests still need
# them as interop peers. Then VIEWDIR is (re)made with a link under each
# stock name to the file dpkg keeps it under, and VIEWDIR is printed.
# Nothing outside VIEWDIR is changed.
set -eu
stock=$1 view=$2

# The file that NAME (in $stock) really is, following symbolic links
# whose targets may themselves have been diverted.
truename() {
    path=$stock/$1 hops=0
    while :; do
	if command -v dpkg-divert >/dev/null 2>&1; then
	    path=$(dpkg-divert --truename "$path")
	fi
	# dpkg-divert --rename's naming, should the database not say it
	if [ ! -e "$path" ] && [ ! -L "$path" ] \
	    && { [ -e "$path.distrib" ] || [ -L "$path.distrib" ]; }; then
	    path=$path.distrib
	fi
	[ -L "$path" ] || break
	hops=$((hops + 1))
	[ $hops -le 8 ] || break
	target=$(readlink "$path")
	case $target in
	/*) path=$target ;;
	*) path=$(dirname "$path")/$target ;;
	esac
    done
    printf '%s\n' "$path"
}

diverted=no
for name in libcrammd5.so libdigestmd5.so; do
    [ -e "$stock/$name" ] || diverted=yes
done
# Missing under every name (a libsasl2 without these mechanisms, such as
# Cyrus SASL's development branch): nothing is diverted, and the view,
# which could never be complete, would be rebuilt under every test that
# reads it. The directory itself serves.
if [ $diverted = yes ]; then
    diverted=no
    for name in libcrammd5.so libdigestmd5.so; do
	[ -e "$stock/$name" ] || [ ! -e "$(truename "$name")" ] || diverted=yes
    done
fi
if [ $diverted = no ]; then
    printf '%s\n' "$stock"
    exit 0
fi

# Every test runs this script, many at once: a complete view is reused,
# never rebuilt under a test that is reading it.
complete() {
    [ -e "$view/libcrammd5.so" ] && [ -e "$view/libdigestmd5.so" ] \
	&& [ -e "$view/libsasldb.so" ]
}
if complete; then
    printf '%s\n' "$view"
    exit 0
fi

tmp=$view.new.$$
rm -rf "$tmp"
mkdir -p "$tmp"
for path in "$stock"/lib*.so "$stock"/lib*.so.distrib; do
    [ -e "$path" ] || [ -L "$path" ] || continue
    name=$(basename "$path" .distrib)
    case $name in libmd5gate*) continue ;; esac
    real=$(truename "$name")
    [ -f "$real" ] && ln -sf "$real" "$tmp/$name"
done
# A view left incomplete (the stock package changed) is replaced; when
# two tests make it at once, the first rename wins and the other's copy,
# just as complete, is dropped (mv -T never moves into an existing view).
complete || rm -rf "$view"
mv -T "$tmp" "$view" 2>/dev/null || rm -rf "$tmp"
printf '%s\n' "$view"
