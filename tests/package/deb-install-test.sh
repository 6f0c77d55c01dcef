#!/bin/sh
# The .deb installed for real into a throwaway root, then purged: the test
# builds the package from a fresh clone of HEAD (tests/package/build-deb.sh),
# enters a private mount namespace in which /usr, /etc and /var are overlays
# on the machine's own (dpkg, its maintainer scripts and triggers run for
# real, the machine's tor satisfies Depends, and the host is never touched),
# runs `dpkg -i`, checks the installed tree, runs the installed redoubt
# against the local regtest universe (a wallet created, an address, `audit`),
# runs `dpkg --purge`, and then requires the overlays to hold nothing but
# dpkg's own bookkeeping: purge leaves nothing behind. Last, the AppArmor VM
# test (scripts/vm-apparmor-test) runs with the profiles taken out of the
# .deb, so the profiles the package ships are the ones proven enforced.
# Usage: deb-install-test.sh SOURCE_DIR BUILD_DIR     exit 0 ok, 1 failed, 77 skipped
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: deb-install-test.sh SOURCE_DIR BIN_DIR}
build=${2:?usage: deb-install-test.sh SOURCE_DIR BUILD_DIR}
bindir=$build/bin
for t in git dpkg-buildpackage dh dh_apparmor dpkg unshare; do
  command -v "$t" > /dev/null || { echo "skipped: $t not installed (scripts/install-deps)"; exit 77; }
done
# Overlay mounts need root (CI and `make check` run as root, as the README says).
[ "$(id -u)" = 0 ] || { echo "skipped: needs root for the overlay mounts"; exit 77; }
work=$(mktemp -d /tmp/redoubt-debinst-XXXXXX)
[ -n "${REDOUBT_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
if [ -n "${REDOUBT_DEB:-}" ]; then
  deb=$REDOUBT_DEB  # a package built already (for working on this test)
else
  REDOUBT_DEB_CCACHE=1 sh "$here/build-deb.sh" "$src" "$work/deb" || { echo "FAIL: dpkg-buildpackage"; exit 1; }
  deb=$(ls "$work"/deb/redoubt_*.deb | grep -v dbgsym)
fi
echo "package: $(basename "$deb")"
export work deb bindir
unshare --mount --propagation private sh "$here/deb-install-inner.sh"
st=$?

# The shipped profiles under Debian's kernel with AppArmor enforcing.
if [ -x "$build/tests/redoubt-vm-probe" ]; then
  dpkg-deb -x "$deb" "$work/pkg"
  "$src/scripts/vm-apparmor-test" --probe "$build/tests/redoubt-vm-probe" \
    --escape-test "$build/tests/sandbox_escape_test" --escape-probe "$bindir/redoubt-probe" \
    --policies "$work/pkg/etc/apparmor.d" --work "$work/vm" > "$work/vm.log" 2>&1
  vst=$?
  grep -E 'FAIL|passed|skipped' "$work/vm.log" | tail -n 20
  case $vst in
    0) echo "ok: the AppArmor VM test passes with the profiles from the .deb" ;;
    77) echo "FAIL: the AppArmor VM test was skipped (qemu or kernel missing)"; st=1 ;;
    *) echo "FAIL: the AppArmor VM test with the profiles from the .deb (exit $vst)"; st=1 ;;
  esac
else
  echo "FAIL: $build/tests/redoubt-vm-probe not built"; st=1
fi
exit $st
