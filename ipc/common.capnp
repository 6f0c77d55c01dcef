# Types shared by every Redoubt interface.
@0xeb1f8aac6515d128;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("redoubt::ipc::schema");

# Every interface method reports failure as a Cap'n Proto exception whose
# description starts with "E<code>: " followed by a message a user can act on
# (see ipc/errors.h). The codes, which the ui maps to exit codes:
enum ErrorCode {
  internal @0;          # a bug or an unexpected state
  usage @1;             # the request itself was malformed
  locked @2;            # keyd holds no unlocked key
  noWallet @3;          # no keystore/wallet yet: create or restore first
  badPassword @4;       # the password did not decrypt the keystore
  corrupt @5;           # a file failed its integrity check; it was left untouched
  insufficientFunds @6;
  network @7;           # no proxy, no server, or the server went away
  verification @8;      # data from the network failed verification
  refused @9;           # keyd refused to sign (limits, mismatch)
  notImplemented @10;   # the capability is planned but not built yet
  confinement @11;      # a sandbox layer could not be applied
}

enum NetworkId { mainnet @0; testnet @1; regtest @2; }

# What a child says about itself when the broker says hello.
struct ChildInfo {
  process @0 :Text;            # "keyd", "netd" or "ui"
  pid @1 :Int32;
  version @2 :Text;
  confinement @3 :Confinement;
}

# The confinement a child applied to itself, as it saw it. `redoubt audit`
# compares this and /proc with the policy.
struct Confinement {
  landlockAbi @0 :Int32;        # ABI the kernel offered; 0 = none
  landlockApplied @1 :Text;     # e.g. "fs+net+scope" or "unavailable"
  seccompApplied @2 :Bool;
  seccompPolicy @3 :Text;       # policy name from policies/
  apparmorLabel @4 :Text;       # label or "AppArmor not enabled"
  notes @5 :List(Text);         # each degradation, in words
}
