# ui <-> broker. The ui handles argv and the terminal; the broker owns the
# wallet. Amounts are integers in satoshi (1 NMC = 100,000,000 sat).
@0xcb9d1973cbb925be;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("redoubt::ipc::schema");
using Common = import "common.capnp";
using Signer = import "signer.capnp";

struct ProcessInfo {
  role @0 :Text;                # broker | keyd | netd | ui
  pid @1 :Int32;
  answered @2 :Bool;            # it answered hello in this run
  restarts @3 :UInt32;
  info @4 :Common.ChildInfo;
}

struct TreeInfo {
  version @0 :Text;
  network @1 :Common.NetworkId;
  datadir @2 :Text;
  processes @3 :List(ProcessInfo);
  walletState @4 :Text;         # "no wallet" | "locked" | "unlocked"
  proxy @5 :Text;               # effective proxy and where it came from
  server @6 :Text;
  syncHeight @7 :UInt32;
  serverHeight @8 :UInt32;
  crosscheck @9 :CrossCheckInfo;
}

# The tip cross-check with a second server (broker/crosscheck.h).
struct CrossCheckInfo {
  server @0 :Text;              # "" when none is configured
  status @1 :Text;              # off | pending | agree | behind | disagree | unreachable | invalid
  height @2 :Int32;             # our verified tip when checked
  serverHeight @3 :Int32;       # the second server's claimed tip
  forkHeight @4 :Int32;         # on disagree: where the blocks differ; else -1
  checkedAt @5 :Int64;          # unix time; 0: never
  thisRun @6 :Bool;             # false: remembered from an earlier run
  detail @7 :Text;
}

# The command line as the user typed it, handed to the ui over IPC so it never
# sits in the ui's argv or environment.
struct Invocation {
  args @0 :List(Text);          # the command and its arguments (global options removed)
  json @1 :Bool;
  network @2 :Common.NetworkId;
  datadir @3 :Text;
  interactive @4 :Bool;         # stdin and stdout are terminals
  attempt @5 :UInt32;           # 0 on the first run; >0 after the ui crashed and was restarted
}

struct Balance {
  confirmed @0 :Int64;
  unconfirmed @1 :Int64;
  frozen @2 :Int64;
  lockedInNames @3 :Int64;
}

struct AddressInfo {
  address @0 :Text;
  change @1 :Bool;
  index @2 :UInt32;
  used @3 :Bool;
  balance @4 :Int64;
  frozen @5 :Bool;
  label @6 :Text;
}

struct HistoryItem {
  txid @0 :Text;
  height @1 :Int32;             # 0 = unconfirmed
  timestamp @2 :Int64;
  delta @3 :Int64;              # effect on our balance
  fee @4 :Int64;
  balance @5 :Int64;            # running balance after this item
  verified @6 :Bool;            # merkle proof checked against our headers
  label @7 :Text;
}

struct Coin {
  txid @0 :Text;
  vout @1 :UInt32;
  address @2 :Text;
  value @3 :Int64;
  height @4 :Int32;
  frozen @5 :Bool;
  name @6 :Data;                # non-empty for a name output
}

struct PayTo {
  destination @0 :Text;
  amount @1 :Int64;             # -1 = everything ("!")
}

struct SendOptions {
  feeRate @0 :Int64;            # sat per kvB; 0 = from the server's estimate
  fromCoins @1 :List(Text);     # "txid:vout"
  fromAddresses @2 :List(Text);
  rbf @3 :Bool = true;
  unsigned @4 :Bool;            # return the unsigned transaction only
  broadcast @5 :Bool = true;
  streamId @6 :Text;
  sealedPassword @7 :Data;      # sealed to keyd ("password"); the broker cannot open it
}

struct SendResult {
  txid @0 :Text;
  raw @1 :Data;
  summary @2 :Signer.SignSummary;
  broadcast @3 :Bool;
}

struct NameInfo {
  name @0 :Data;
  value @1 :Data;
  txid @2 :Text;
  vout @3 :UInt32;
  address @4 :Text;
  height @5 :Int32;
  expiresIn @6 :Int32;
  expired @7 :Bool;
  isMine @8 :Bool;
  verified @9 :Bool;
  pending @10 :Text;            # e.g. "firstupdate queued at height N"
}

struct NameOptions {
  destination @0 :Text;
  allowExisting @1 :Bool;
  pseudonymousIdentifier @2 :Text;
  feeRate @3 :Int64;
  sealedPassword @4 :Data;      # sealed to keyd ("password")
}

struct AddressGroup {
  addresses @0 :List(AddressInfo);
  names @1 :List(Data);
  balance @2 :Int64;
}

struct SyncProgress {
  height @0 :UInt32;
  target @1 :UInt32;
  addressesPending @2 :UInt32;
}

struct ConfigEntry {
  key @0 :Text;
  value @1 :Text;
  source @2 :Text;
}

interface WalletEvents {
  syncProgress @0 (progress :SyncProgress) -> ();
  newTransaction @1 (item :HistoryItem) -> ();
  balanceChanged @2 (balance :Balance) -> ();
  notice @3 (message :Text) -> ();       # e.g. "keyd restarted: wallet locked"
}

interface Wallet {
  invocation @0 () -> (invocation :Invocation);
  getInfo @1 () -> (info :TreeInfo);
  subscribe @2 (events :WalletEvents) -> ();

  # Every secret below is a blob the ui sealed to keyd's key (sealingKey;
  # ipc/sealed_box.h, purposes as in Signer). The broker relays, never reads.
  create @3 (sealedPassword :Data, seedType :Signer.SeedType, phraseKey :Data)
      -> (sealedPhrase :Data);
  restore @4 (sealedPhrase :Data, sealedPassphrase :Data, seedType :Signer.SeedType,
              sealedPassword :Data) -> ();
  changePassword @5 (sealedOldPassword :Data, sealedNewPassword :Data) -> ();
  unlock @6 (sealedPassword :Data, timeoutSeconds :UInt32) -> ();
  lock @7 () -> ();

  sync @8 () -> (progress :SyncProgress);
  getBalance @9 () -> (balance :Balance);
  listAddresses @10 (receiving :Bool, change :Bool, funded :Bool, unused :Bool)
      -> (addresses :List(AddressInfo));
  getUnusedAddress @11 () -> (address :Text);
  # Oldest first (newestFirst: newest first), `limit` items from `offset`,
  # at most 10,000 per call (limit 0: that many); total: how many there are.
  history @12 (offset :UInt32, limit :UInt32, newestFirst :Bool)
      -> (items :List(HistoryItem), total :UInt32);
  listUnspent @13 () -> (coins :List(Coin));
  freeze @14 (target :Text, frozen :Bool) -> ();   # address or "txid:vout"

  payTo @15 (outputs :List(PayTo), options :SendOptions) -> (result :SendResult);
  bumpFee @16 (txid :Text, feeRate :Int64, sealedPassword :Data) -> (result :SendResult);
  signTransaction @17 (unsignedTx :Data, sealedPassword :Data) -> (result :SendResult);
  broadcast @18 (rawTx :Data, streamId :Text) -> (txid :Text);

  signMessage @19 (address :Text, message :Data, sealedPassword :Data) -> (signature :Text);
  verifyMessage @20 (address :Text, message :Data, signature :Text) -> (valid :Bool);

  nameNew @21 (name :Data, options :NameOptions) -> (result :SendResult);
  nameFirstUpdate @22 (name :Data, value :Data, options :NameOptions) -> (result :SendResult);
  nameAutoRegister @23 (name :Data, value :Data, options :NameOptions) -> (result :SendResult);
  nameUpdate @24 (name :Data, value :Data, hasValue :Bool, options :NameOptions) -> (result :SendResult);
  nameShow @25 (name :Data, streamId :Text) -> (info :NameInfo);
  nameList @26 () -> (names :List(NameInfo));
  listAddressGroupings @27 (identifier :Data, collapse :Bool) -> (groups :List(AddressGroup));

  getConfig @28 (key :Text) -> (entries :List(ConfigEntry));
  setConfig @29 (key :Text, value :Text) -> ();
  audit @30 () -> (report :Text, ok :Bool);  # JSON report built by the broker from /proc
  stop @31 () -> ();
  # The ui reports its exit code just before it exits.
  finish @32 (exitCode :Int32) -> ();
  # Forgets a transaction this ui had built with payTo(broadcast=false) and
  # not broadcast (the user cancelled at the confirmation screen), so its
  # coins are spendable again. Any other txid is refused.
  discard @33 (txid :Text) -> ();
  # keyd's current sealing key (X25519 public key), relayed from keyd.
  sealingKey @34 () -> (publicKey :Data);
}

# The ui's own bootstrap, so the broker can check it is alive.
interface Ui {
  hello @0 () -> (info :Common.ChildInfo);
}
