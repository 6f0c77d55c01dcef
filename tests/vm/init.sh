#!/bin/sh
# /init of the AppArmor test VM (built by scripts/vm-apparmor-test): loads
# Redoubt's profiles into Debian's kernel, runs the escape probe under them
# and reports on the serial console, one `VMTEST PASS|FAIL|INFO name` line
# per check, then `VMTEST SUMMARY`, then powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
# pivot_root (which the sandbox views below use) refuses to move away from
# the initramfs rootfs: move everything onto a tmpfs and switch to it.
if [ "$1" != switched ]; then
  mkdir -p /newroot
  mount -t tmpfs -o mode=0755 root /newroot
  for d in /*; do
    [ "$d" = /newroot ] || cp -a "$d" /newroot/
  done
  exec switch_root /newroot /init switched
fi
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t securityfs securityfs /sys/kernel/security
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
echo  # the firmware leaves escape codes on the console line

pass() { echo "VMTEST PASS $*"; }
fail() { echo "VMTEST FAIL $*"; }
finish() {
  echo "VMTEST DONE"
  sync
  poweroff -f
}

aa=/sys/kernel/security/apparmor
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && [ -d $aa ]; then
  pass vm.apparmor_enabled
else
  fail vm.apparmor_enabled "kernel has no AppArmor (lsm: $(cat /sys/kernel/security/lsm 2>/dev/null))"
  finish
fi
# Yama (ptrace_scope 1) would answer the probe's ptrace attempts before
# AppArmor does; turn it off so the check is about AppArmor.
echo 0 >/proc/sys/kernel/yama/ptrace_scope 2>/dev/null
# Without auditd, AppArmor's audit records reach the kernel log through
# printk_ratelimit() (10 per 5 s): lift it so every denial is logged.
echo 0 >/proc/sys/kernel/printk_ratelimit

# The profiles, exactly as installed: /etc/apparmor.d/usr.* with
# tunables/redoubt next to the system's tunables and abstractions.
for p in /etc/apparmor.d/usr.*; do
  if out=$(apparmor_parser -r -K "$p" 2>&1); then
    pass "vm.load.${p##*/}"
  else
    fail "vm.load.${p##*/}" "$(echo "$out" | tr '\n' ' ')"
  fi
done
for name in redoubt redoubt-keyd redoubt-netd redoubt-netd-transproxy redoubt-ui; do
  if grep -qx "$name (enforce)" $aa/profiles; then
    pass "vm.loaded.$name"
  else
    fail "vm.loaded.$name" "not in $aa/profiles: $(tr '\n' ';' <$aa/profiles)"
  fi
done

# The world the probe tries to escape into: a wallet database and a keystore
# in root's data dir, Tor's SOCKS socket and some other Unix socket.
data=/root/.local/share/redoubt
runtime=/run/user/0/redoubt
mkdir -p $data/regtest/keyd /run/tor $runtime
echo wallet >$data/regtest/wallet.sqlite
echo seed >$data/regtest/keyd/keystore
chmod 600 $data/regtest/keyd/keystore
redoubt-vm-probe listen /run/tor/socks &
redoubt-vm-probe listen /run/other.sock &
sleep 0.2

# 1. The broker as installed: /usr/bin/redoubt attaches to profile redoubt by
#    path and starts each child with aa_change_onexec() + exec of its
#    installed binary; keyd and netd also inside a sandbox view (namespaces,
#    tmpfs root, pivot_root) built under the broker's profile.
/usr/bin/redoubt broker $data /usr/libexec/redoubt $runtime
# 2. From a build tree: an unconfined launcher and a binary at a path no
#    profile attaches to, so only aa_change_onexec() can confine it.
/opt/redoubt-build/redoubt-vm-probe launch redoubt-netd \
  /opt/redoubt-build/redoubt-vm-probe child netd $data | sed 's/ netd\./ build-netd./'

# 3. tests/sandbox's escape tests, now with AppArmor enforcing too: every
#    layer together, each probe spawned by sandbox::spawn from an unconfined
#    runner (a build tree). One VMTEST line per case.
if [ -x /opt/redoubt-build/sandbox_escape_test ]; then
  REDOUBT_BIN_DIR=/opt/redoubt-build/bin /opt/redoubt-build/sandbox_escape_test 2>&1 | awk '
    /^\[ RUN      \]/ { name = $4; sub(/.*\//, "", name); n = 0; next }
    /^\[       OK \]/ { print "VMTEST PASS escape." name; name = ""; next }
    /^\[  FAILED  \]/ && name != "" {
      why = ""; for (i = 1; i <= n && i <= 4; i++) why = why " | " buf[i]
      print "VMTEST FAIL escape." name why; name = ""; next }
    name != "" && NF { buf[++n] = $0 }
    /^\[  PASSED  \]|^\[  FAILED  \] [0-9]+ test/ { print "VMTEST INFO escape.summary " $0 }'
else
  echo "VMTEST INFO escape not included (no sandbox_escape_test given)"
fi

# Explicit `audit deny` rules log their denials to the kernel log.
line=$(dmesg | grep 'apparmor="DENIED"' | grep 'profile="redoubt-netd"' | grep 'family="inet"' | head -n1)
if [ -n "$line" ]; then
  pass vm.audit_logged.netd_inet
  echo "VMTEST INFO vm.audit_sample ${line#*audit: }"
else
  fail vm.audit_logged.netd_inet "no apparmor=\"DENIED\" line for netd's inet socket in dmesg"
fi
# The broker's own denials, if any, say which rule its sandbox building lacks.
dmesg | grep 'apparmor="DENIED"' | grep 'profile="redoubt"' | sed 's/.*audit: /VMTEST INFO vm.broker_denial /'
echo "VMTEST INFO vm.denials $(dmesg | grep -c 'apparmor="DENIED"') DENIED lines in the kernel log"
finish
