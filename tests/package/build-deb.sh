#!/bin/sh
# Builds the Debian package the way a distro does: `dpkg-buildpackage -us
# -uc -b` on a fresh `git clone` of SOURCE_DIR's HEAD (only committed files
# count). The .debs land in OUT_DIR; the log in OUT_DIR/build.log.
# With REDOUBT_DEB_CCACHE=1 the compiler goes through ccache and the clone is
# built at one fixed path (REDOUBT_DEB_BUILD_DIR, default
# /var/tmp/redoubt-deb-build, taken under a lock), because the build's
# command lines hold the source path (-ffile-prefix-map) and ccache only hits
# when they are the same: for the install test, which wants the package, not
# a proof of reproducibility (deb-test.sh builds without it).
# Usage: build-deb.sh SOURCE_DIR OUT_DIR     exit 0 built, 1 failed
set -u
src=${1:?usage: build-deb.sh SOURCE_DIR OUT_DIR}
out=${2:?usage: build-deb.sh SOURCE_DIR OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ "${REDOUBT_DEB_CCACHE:-}" = 1 ] && command -v ccache > /dev/null; then
  top=${REDOUBT_DEB_BUILD_DIR:-/var/tmp/redoubt-deb-build}
  mkdir -p "$top"
  exec 9> "$top.lock"
  flock 9
  rm -rf "$top"/*
  # CMake reads these to initialise CMAKE_<LANG>_COMPILER_LAUNCHER.
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR="$top/redoubt" CCACHE_NOHASHDIR=1
else
  top=$out
fi
git clone --quiet --no-local "$src" "$top/redoubt" || exit 1
start=$(date +%s)
(cd "$top/redoubt" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -us -uc -b > "$out/build.log" 2>&1)
st=$?
echo "dpkg-buildpackage in $top: exit $st, $(($(date +%s) - start)) s"
[ $st -eq 0 ] || { tail -n 40 "$out/build.log"; exit 1; }
if [ "$top" != "$out" ]; then
  cp "$top"/*.deb "$top"/*.changes "$top"/*.buildinfo "$out/"
  rm -rf "$top"/*
fi
