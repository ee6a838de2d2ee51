#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install what building md5gate's Debian packages needs, and nothing
# else: the Build-Depends of packaging/debian/control, read by apt itself,
# plus dpkg-dev to run dpkg-buildpackage. Unlike
# test-harness/install-deps.sh (the test suite's needs: Postfix, Dovecot,
# clang, valgrind, peers), this is safe to run on the relay that will use
# the packages. Run as root on Debian; safe to run again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "install-build-deps: run as root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends dpkg-dev debhelper
# packaging/ holds debian/control (as packaging/debian): apt reads the
# Build-Depends from that source tree.
apt-get build-dep -y -qq "$here"
