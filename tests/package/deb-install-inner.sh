#!/bin/sh
# The half of deb-install-test.sh that runs inside its private mount
# namespace (see there). Expects $work, $deb and $bindir in the environment.
set -u
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# The host's view, kept before the overlays go on (private propagation: the
# overlays do not show through it), for telling copied-up directories from
# new ones at the end.
host=$work/host
mkdir -p "$host"
mount --rbind / "$host" && mount --make-rprivate "$host" || { echo "FAIL: cannot bind /"; exit 1; }
for d in usr etc var; do
  mkdir -p "$work/ovl/$d/upper" "$work/ovl/$d/work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$work/ovl/$d/upper,workdir=$work/ovl/$d/work" "/$d" ||
    { echo "FAIL: cannot overlay /$d"; exit 1; }
done

if dpkg -i "$deb" > "$work/dpkg-i.log" 2>&1; then ok "dpkg -i"; else cat "$work/dpkg-i.log"; no "dpkg -i"; exit 1; fi
status=$(dpkg-query -W -f '${Status}' redoubt 2>&1)
[ "$status" = "install ok installed" ] && ok "dpkg: $status" || no "dpkg status: $status"

check_mode() {
  if [ ! -e "$1" ]; then no "missing $1"; return; fi
  m=$(stat -c %a "$1")
  if [ "$m" = "$2" ]; then ok "$1 $m"; else no "$1 has mode $m, want $2"; fi
}
for b in redoubt redoubt-inspect; do check_mode "/usr/bin/$b" 755; done
for b in redoubt-keyd redoubt-netd redoubt-ui; do check_mode "/usr/libexec/redoubt/$b" 755; done
for p in usr.bin.redoubt usr.libexec.redoubt.redoubt-keyd usr.libexec.redoubt.redoubt-netd \
  usr.libexec.redoubt.redoubt-ui tunables/redoubt; do
  check_mode "/etc/apparmor.d/$p" 644
done
# dh_apparmor's postinst creates the empty site-override files the profiles include.
for p in usr.bin.redoubt usr.libexec.redoubt.redoubt-keyd usr.libexec.redoubt.redoubt-netd \
  usr.libexec.redoubt.redoubt-ui; do
  [ -f "/etc/apparmor.d/local/$p" ] && ok "postinst created local/$p" || no "no /etc/apparmor.d/local/$p after install"
done
# The installed profiles parse in the machine's own AppArmor tree.
if command -v apparmor_parser > /dev/null; then
  for f in /etc/apparmor.d/usr.bin.redoubt /etc/apparmor.d/usr.libexec.redoubt.*; do
    out=$(apparmor_parser -Q -K "$f" 2>&1 | grep -v '^Cache read/write disabled')
    [ -z "$out" ] && ok "installed $(basename "$f") parses" || no "$(basename "$f"): $out"
  done
else
  no "apparmor_parser missing (Debian package apparmor)"
fi

# The installed programs, found by PATH as a user would.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share \
  XDG_RUNTIME_DIR=$work/run PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
out=$(redoubt --help 2>&1)
printf '%s' "$out" | grep -q '^usage: redoubt' && ok "redoubt --help" || no "redoubt --help: $out"
printf '%s' "$out" | grep -q 'name_autoregister' || no "redoubt --help lacks the name commands"

# A demo tree from the installed paths against the local universe.
"$bindir/redoubt-testnet" --datadir "$work/universe" > "$work/ready" 2> "$work/universe.log" &
tpid=$!
for _ in $(seq 1 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
socks=$(sed -n 's/.*"socks":"\([^"]*\)".*/\1/p' "$work/ready")
if [ -z "$socks" ]; then
  cat "$work/universe.log"; no "the universe did not start"
else
  r() { timeout 120 redoubt --datadir "$work/wallet" --network regtest --proxy "unix:$socks" \
    --server electrum.test:50001:t "$@"; }
  out=$(echo installed-pw | r create 2>&1) && ok "installed redoubt create" || no "create: $out"
  addr=$(r getunusedaddress 2> "$work/addr.err")
  case $addr in ncrt1*) ok "installed redoubt getunusedaddress: $addr" ;; *) no "getunusedaddress: $addr $(cat "$work/addr.err")" ;; esac
  out=$(r audit 2>&1)
  if printf '%s' "$out" | grep -q 'every process is confined as declared'; then
    ok "installed redoubt audit"
  else
    printf '%s\n' "$out"; no "installed redoubt audit"
  fi
  out=$(r getinfo 2>&1)
  for p in broker keyd netd ui; do
    printf '%s\n' "$out" | grep -Eq "^$p +[0-9]+ +yes" && ok "getinfo: $p answered" || no "getinfo: $p ($out)"
  done
fi
kill "$tpid" 2> /dev/null; wait "$tpid" 2> /dev/null

# Purge, then nothing of ours may remain: every file or directory the
# overlays gained (or hid) must be dpkg's own bookkeeping or the man-db
# trigger's index.
if dpkg --purge redoubt > "$work/dpkg-purge.log" 2>&1; then ok "dpkg --purge"; else cat "$work/dpkg-purge.log"; no "dpkg --purge"; fi
dpkg-query -W redoubt > /dev/null 2>&1 && no "dpkg still knows redoubt after purge"
left=$(for d in usr etc var; do
  up=$work/ovl/$d/upper
  (cd "$up" && find . -mindepth 1) | while read -r f; do
    p=/$d/${f#./}
    if [ -c "$up/$f" ]; then echo "$p(deleted)"; continue; fi       # an overlay whiteout
    if [ -d "$up/$f" ] && [ -d "$host$p" ]; then continue; fi       # only copied up
    echo "$p"
  done
done | grep -Ev '^/var/lib/dpkg(/|$)|^/var/log/dpkg\.log$|^/var/cache/man(/|$)|^/var/lib/man-db(/|$)|^/var/cache/debconf(/|$)' |
  grep -vxF '/etc/apparmor.d/disable(deleted)')
# The one exception above is debhelper's, not ours: dh_apparmor's postrm
# snippet runs `rmdir /etc/apparmor.d/disable` on purge, which removes that
# directory (the apparmor package's) when it is empty, as it is on a fresh
# system. aa-disable creates it again when needed.
if [ -n "$left" ]; then no "left behind after purge: $(echo $left)"; else ok "purge left nothing behind"; fi

[ $fail -eq 0 ] && echo "installed package ok"
exit $fail
