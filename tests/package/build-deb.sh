#!/bin/sh
# Builds the Debian package the way a distro does: `dpkg-buildpackage -us
# -uc -b` on a fresh `git clone` of SOURCE_DIR's HEAD (only committed files
# count). The .debs land in OUT_DIR; the log in OUT_DIR/build.log.
# With REDOUBT_DEB_CCACHE=1 the compiler goes through ccache (for the
# install test, which wants the package, not a proof of reproducibility).
# Usage: build-deb.sh SOURCE_DIR OUT_DIR     exit 0 built, 1 failed
set -u
src=${1:?usage: build-deb.sh SOURCE_DIR OUT_DIR}
out=${2:?usage: build-deb.sh SOURCE_DIR OUT_DIR}
mkdir -p "$out"
git clone --quiet --no-local "$src" "$out/redoubt" || exit 1
if [ "${REDOUBT_DEB_CCACHE:-}" = 1 ] && command -v ccache > /dev/null; then
  # CMake reads these to initialise CMAKE_<LANG>_COMPILER_LAUNCHER.
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR="$out/redoubt" CCACHE_NOHASHDIR=1
fi
start=$(date +%s)
(cd "$out/redoubt" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -us -uc -b > "$out/build.log" 2>&1)
st=$?
echo "dpkg-buildpackage in $out: exit $st, $(($(date +%s) - start)) s"
[ $st -eq 0 ] || { tail -n 40 "$out/build.log"; exit 1; }
