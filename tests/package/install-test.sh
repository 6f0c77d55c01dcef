#!/bin/sh
# The installed tree: `cmake --install` of a build into a throwaway DESTDIR
# with prefix /usr, as the Debian package lays it out; checks every path and
# mode, runs the installed broker (which must find its children in
# libexecdir/redoubt, relative to its own bindir, and nowhere else), and
# parses the installed AppArmor profiles against the installed tunables.
# Usage: install-test.sh BUILD_DIR SYSCONFDIR     exit 0 ok, 1 failed
set -u
build=${1:?usage: install-test.sh BUILD_DIR SYSCONFDIR}
sysconf=${2:?usage: install-test.sh BUILD_DIR SYSCONFDIR}
work=$(mktemp -d /tmp/redoubt-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
d=$work/root
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

DESTDIR=$d cmake --install "$build" --prefix /usr > "$work/install.log" 2>&1 ||
  { cat "$work/install.log"; echo "FAIL: cmake --install"; exit 1; }

# GNUInstallDirs: a relative sysconfdir is under the prefix; Debian's build
# passes an absolute /etc.
case $sysconf in
  /*) etc=$d$sysconf ;;
  *) etc=$d/usr/$sysconf ;;
esac

# path, octal mode
check_mode() {
  if [ ! -e "$1" ]; then no "missing ${1#"$d"}"; return; fi
  m=$(stat -c %a "$1")
  if [ "$m" = "$2" ]; then ok "${1#"$d"} $m"; else no "${1#"$d"} has mode $m, want $2"; fi
}
for b in redoubt redoubt-inspect; do check_mode "$d/usr/bin/$b" 755; done
for b in redoubt-keyd redoubt-netd redoubt-ui; do check_mode "$d/usr/libexec/redoubt/$b" 755; done
for p in usr.bin.redoubt usr.libexec.redoubt.redoubt-keyd usr.libexec.redoubt.redoubt-netd \
         usr.libexec.redoubt.redoubt-ui tunables/redoubt; do
  check_mode "$etc/apparmor.d/$p" 644
done
check_mode "$etc/redoubt.d" 755
check_mode "$d/usr/share/man/man1/redoubt.1" 644
check_mode "$d/usr/share/man/man1/redoubt-inspect.1" 644
check_mode "$d/usr/share/man/man5/redoubt.conf.5" 644
check_mode "$d/usr/share/doc/redoubt/redoubt.conf.example" 644
check_mode "$d/usr/share/doc/redoubt/threat-model.md" 644
# Nothing a distro does not want: no test or bench programs, no static
# libraries or headers, no build-only tools, and the AppArmor >= 4 piece
# only when asked for.
extra=$(cd "$d" && find . \( -type f -o -type l \) | sed 's|^\./|/|' | grep -Ev \
  '^/usr/bin/redoubt(-inspect)?$|^/usr/libexec/redoubt/redoubt-(keyd|netd|ui)$|/apparmor\.d/(usr\.(bin|libexec)\.redoubt[.a-z-]*|tunables/redoubt)$|^/usr/share/man/man[15]/redoubt[.a-z-]*\.[15]$|^/usr/share/doc/redoubt/')
if [ -n "$extra" ]; then no "unexpected files installed: $extra"; else ok "no unexpected files"; fi

# Every man page is well-formed groff (warnings are errors).
for m in "$d"/usr/share/man/man1/*.1 "$d"/usr/share/man/man5/*.5; do
  w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -E UTF-8 "$m" 2>&1 > /dev/null)
  if [ -n "$w" ]; then no "man page ${m#"$d"}: $w"; else ok "man page ${m#"$d"} renders cleanly"; fi
done

# The installed programs. HOME and XDG_* point into the work dir, so the
# test sees anything written outside the data directory.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share \
  XDG_RUNTIME_DIR=$work/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
out=$("$d/usr/bin/redoubt" help 2>&1); st=$?
if [ $st -eq 0 ] && printf '%s' "$out" | grep -q '^usage: redoubt' &&
   printf '%s' "$out" | grep -q 'name_autoregister'; then
  ok "redoubt help"
else
  no "redoubt help (exit $st): $out"
fi
# redoubt-inspect decodes a P2PKH script to the regtest address of hash160 0.
out=$("$d/usr/bin/redoubt-inspect" script 76a914000000000000000000000000000000000000000088ac --network regtest 2>&1); st=$?
if [ $st -eq 0 ] && printf '%s' "$out" | grep -q '"address": "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8"'; then
  ok "installed redoubt-inspect decodes a script"
else
  no "installed redoubt-inspect (exit $st): $out"
fi

# The broker looks for its children in bindir/../libexec/redoubt only: in
# the DESTDIR tree nothing else holds them, so four answering processes
# prove the installed layout works.
data=$work/data
out=$(timeout 120 "$d/usr/bin/redoubt" --network regtest --datadir "$data" getinfo 2>&1); st=$?
printf '%s\n' "$out"
if [ $st -ne 0 ]; then no "installed redoubt getinfo exited $st"; fi
for p in broker keyd netd ui; do
  if printf '%s\n' "$out" | grep -Eq "^$p +[0-9]+ +yes"; then ok "getinfo: $p answered"; else no "getinfo: $p did not answer"; fi
done
out=$(timeout 120 "$d/usr/bin/redoubt" --network regtest --datadir "$data" audit 2>&1); st=$?
if [ $st -eq 0 ] && printf '%s' "$out" | grep -q 'every process is confined as declared'; then
  ok "installed redoubt audit"
else
  printf '%s\n' "$out"; no "installed redoubt audit (exit $st)"
fi
# Nothing outside the data directories: --datadir's, and the default one
# ($XDG_DATA_HOME/redoubt, which `help` without --datadir uses).
left=$(find "$HOME" -mindepth 1 | grep -v "^$XDG_DATA_HOME/redoubt" | grep -vxF -e "$HOME/.local" -e "$XDG_DATA_HOME" | head -n 5)
if [ -n "$left" ]; then no "written outside the data dir: $left"; else ok "nothing written outside the data dirs"; fi

# The installed profiles parse against the installed tunables, with the
# system's abi/abstractions only (a private base: no host local/ files).
parser=$(command -v apparmor_parser || echo /sbin/apparmor_parser)
if [ ! -x "$parser" ]; then
  no "apparmor_parser not installed (Debian package apparmor)"
else
  base=$work/aa-base
  mkdir -p "$base"
  cp -r /etc/apparmor.d/abi /etc/apparmor.d/abstractions /etc/apparmor.d/tunables "$base/"
  cp "$etc/apparmor.d/tunables/redoubt" "$base/tunables/redoubt"
  names=""
  for f in "$etc"/apparmor.d/usr.*; do
    out=$("$parser" -Q -K --base "$base" --config-file /dev/null "$f" 2>&1 | grep -v '^Cache read/write disabled')
    if [ -n "$out" ]; then no "installed $(basename "$f") does not parse: $out"; else ok "installed $(basename "$f") parses"; fi
    names="$names $("$parser" -N --base "$base" --config-file /dev/null "$f" 2>/dev/null | tr '\n' ' ')"
  done
  for want in redoubt redoubt-keyd redoubt-netd redoubt-netd-transproxy redoubt-ui; do
    case " $names " in *" $want "*) ok "profile $want installed" ;; *) no "no installed profile $want" ;; esac
  done
fi
[ $fail -eq 0 ] && echo "installed tree ok"
exit $fail
