#!/bin/sh
# Parses every AppArmor profile in policies/apparmor/ with apparmor_parser,
# without loading it, the way it resolves once installed: the system's
# abi/, abstractions/ and tunables/ plus Redoubt's tunables/redoubt, in a
# private base directory so a site's /etc/apparmor.d/local/ cannot hide an
# error. Fails on any error or warning, and checks the profile names the
# broker switches into with aa_change_onexec().
# Usage: parse-profiles.sh POLICY_DIR     exit 0 ok, 1 failed, 77 skipped
set -u
src=${1:?usage: parse-profiles.sh POLICY_DIR}
parser=$(command -v apparmor_parser || { [ -x /sbin/apparmor_parser ] && echo /sbin/apparmor_parser; })
if [ -z "$parser" ]; then
  echo "skipped: apparmor_parser not installed (Debian package apparmor)"
  exit 77
fi
"$parser" --version | head -n1

base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT
for d in abi abstractions tunables; do
  cp -r "/etc/apparmor.d/$d" "$base/" || { echo "FAIL: no /etc/apparmor.d/$d"; exit 1; }
done
cp "$src/tunables/redoubt" "$base/tunables/redoubt"

# AppArmor >= 4 parsers also get the broker's userns rule (extra/userns),
# which an AppArmor 3 parser rejects and a distro installs only with 4.
major=$("$parser" --version | sed -n '1s/.*version \([0-9]*\).*/\1/p')
if [ "${major:-0}" -ge 4 ]; then
  mkdir -p "$base/redoubt.d" && cp "$src/extra/userns" "$base/redoubt.d/userns"
fi

fail=0
names=""
for f in "$src"/usr.*; do
  # -Q: no kernel load; -K: no cache; --base: includes from $base only.
  out=$("$parser" -Q -K --base "$base" --config-file /dev/null "$f" 2>&1)
  status=$?
  out=$(printf '%s\n' "$out" | grep -v '^Cache read/write disabled')
  if [ "$status" -ne 0 ] || [ -n "$out" ]; then
    echo "FAIL: $(basename "$f") (exit $status)"
    printf '%s\n' "$out"
    fail=1
  else
    echo "ok: $(basename "$f")"
  fi
  names="$names $("$parser" -N --base "$base" --config-file /dev/null "$f" 2>/dev/null | tr '\n' ' ')"
done

for want in redoubt redoubt-keyd redoubt-netd redoubt-netd-transproxy redoubt-ui; do
  case " $names " in
    *" $want "*) ;;
    *) echo "FAIL: no profile named $want (found:$names)"; fail=1 ;;
  esac
done
[ "$fail" -eq 0 ] && echo "all profiles parse:$names"
exit "$fail"
