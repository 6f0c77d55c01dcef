#!/bin/sh
# The Debian package, as a distro builds it: `dpkg-buildpackage -us -uc -b`
# on a fresh `git clone` of the repository's HEAD (so only committed files
# count), lintian with no errors and no unexplained warnings, the package's
# contents and relations, the unpacked programs run from the package's
# paths, and a second build from a clone at another path compared byte for
# byte (reproducible builds: SOURCE_DATE_EPOCH from debian/changelog, no
# build paths).
# Usage: deb-test.sh SOURCE_DIR [--once]   exit 0 ok, 1 failed, 77 skipped
set -u
src=${1:?usage: deb-test.sh SOURCE_DIR [--once]}
once=${2:-}
for t in git dpkg-buildpackage dh dh_apparmor lintian dpkg-deb; do
  command -v "$t" > /dev/null || { echo "skipped: $t not installed (scripts/install-deps)"; exit 77; }
done
work=$(mktemp -d /tmp/redoubt-deb-XXXXXX)
[ -n "${REDOUBT_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# build DIR: the .debs of a fresh clone of HEAD, in DIR.
build() { sh "$(dirname "$0")/build-deb.sh" "$src" "$1"; }

build "$work/a" || { echo "FAIL: dpkg-buildpackage"; exit 1; }
deb=$(ls "$work"/a/redoubt_*.deb)
changes=$(ls "$work"/a/redoubt_*.changes)

# lintian: errors fail; so does any warning not overridden (with its reason)
# in debian/redoubt.lintian-overrides.
lintian --fail-on error,warning --display-info "$changes" > "$work/lintian.log" 2>&1
st=$?
cat "$work/lintian.log"
if [ $st -eq 0 ]; then ok "lintian: no errors, no unexplained warnings"; else no "lintian (exit $st)"; fi

# Relations: tor is a dependency, not a recommendation.
depends=$(dpkg-deb -f "$deb" Depends)
case ", $depends," in *", tor,"* | *", tor (",*) ok "Depends has tor: $depends" ;; *) no "Depends lacks tor: $depends" ;; esac

# Contents.
dpkg-deb -c "$deb" | awk '{print $1, $6}' | sed 's| \./| /|' > "$work/contents"
for want in "-rwxr-xr-x /usr/bin/redoubt" "-rwxr-xr-x /usr/bin/redoubt-inspect" \
  "-rwxr-xr-x /usr/libexec/redoubt/redoubt-keyd" "-rwxr-xr-x /usr/libexec/redoubt/redoubt-netd" \
  "-rwxr-xr-x /usr/libexec/redoubt/redoubt-ui" "-rw-r--r-- /etc/apparmor.d/usr.bin.redoubt" \
  "-rw-r--r-- /etc/apparmor.d/usr.libexec.redoubt.redoubt-keyd" \
  "-rw-r--r-- /etc/apparmor.d/usr.libexec.redoubt.redoubt-netd" \
  "-rw-r--r-- /etc/apparmor.d/usr.libexec.redoubt.redoubt-ui" \
  "-rw-r--r-- /etc/apparmor.d/tunables/redoubt" "drwxr-xr-x /etc/redoubt.d/" \
  "-rw-r--r-- /usr/share/man/man1/redoubt.1.gz" "-rw-r--r-- /usr/share/man/man1/redoubt-inspect.1.gz" \
  "-rw-r--r-- /usr/share/man/man5/redoubt.conf.5.gz" "-rw-r--r-- /usr/share/doc/redoubt/copyright" \
  "-rw-r--r-- /usr/share/doc/redoubt/redoubt.conf.example"; do
  if grep -qxF -- "$want" "$work/contents"; then ok "deb has $want"; else no "deb lacks $want"; fi
done
if grep -q 'userns' "$work/contents"; then no "the AppArmor >= 4 userns rule is in a Debian 12 package"; fi
if grep -Eq 'test|bench|policy-dump|probe' "$work/contents"; then no "test programs in the package: $(grep -E 'test|bench|policy-dump|probe' "$work/contents")"; fi

# Maintainer scripts: dh_apparmor loads each profile.
dpkg-deb -e "$deb" "$work/control"
for p in usr.bin.redoubt usr.libexec.redoubt.redoubt-keyd usr.libexec.redoubt.redoubt-netd usr.libexec.redoubt.redoubt-ui; do
  if grep -q "APP_PROFILE=\"/etc/apparmor.d/$p\"" "$work/control/postinst"; then ok "postinst loads $p"; else no "postinst does not load $p"; fi
done

# The unpacked programs, from the package's own paths.
dpkg-deb -x "$deb" "$work/root"
export HOME=$work/home XDG_RUNTIME_DIR=$work/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
if "$work/root/usr/bin/redoubt" help 2>&1 | grep -q '^usage: redoubt'; then ok "packaged redoubt help"; else no "packaged redoubt help"; fi
out=$(timeout 120 "$work/root/usr/bin/redoubt" --network regtest --datadir "$work/data" getinfo 2>&1)
for p in broker keyd netd ui; do
  if printf '%s\n' "$out" | grep -Eq "^$p +[0-9]+ +yes"; then ok "packaged getinfo: $p answered"; else no "packaged getinfo: $p ($out)"; fi
done

# Reproducibility: another clone at another path, same .debs.
if [ "$once" != "--once" ]; then
  build "$work/second-build-elsewhere" || { echo "FAIL: second dpkg-buildpackage"; exit 1; }
  for a in "$work"/a/*.deb; do
    b=$work/second-build-elsewhere/$(basename "$a")
    if cmp -s "$a" "$b"; then
      ok "reproducible: $(basename "$a") $(sha256sum < "$a" | cut -c1-16)"
    else
      no "not reproducible: $(basename "$a")"
      command -v diffoscope > /dev/null && diffoscope "$a" "$b" | head -n 60
    fi
  done
fi
[ $fail -eq 0 ] && echo "debian package ok"
exit $fail
