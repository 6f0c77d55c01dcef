# broker -> keyd. keyd is the only holder of private keys; it rebuilds what it
# signs from the transaction and previous outputs and enforces its own limits.
@0xd0f6e9d0a150278a;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("redoubt::ipc::schema");
using Common = import "common.capnp";

enum SeedType { segwit @0; standard @1; bip39 @2; }
enum ScriptType { p2wpkh @0; p2pkh @1; }

struct Account {
  path @0 :Text;                # e.g. "m/0'" (segwit Electrum seed)
  xpub @1 :Text;                # the account's extended public key
  scriptType @2 :ScriptType;
}

struct KeyStatus {
  hasKeystore @0 :Bool;
  unlocked @1 :Bool;
  seedType @2 :SeedType;
  unlockSecondsLeft @3 :UInt32; # 0 when locked
}

# Limits fixed at unlock time; a compromised broker cannot raise them.
struct SigningLimits {
  maxFeeSat @0 :Int64;          # absolute fee cap per transaction
  maxFeePerMille @1 :UInt32;    # fee cap relative to the amount sent away
}

struct InputInfo {
  value @0 :Int64;              # previous output's amount (sat)
  scriptPubKey @1 :Data;        # previous output's script (name prefix included)
  path @2 :List(UInt32);        # derivation path the broker claims, from the account
  # The whole previous transaction, required for P2PKH inputs: legacy
  # signatures do not commit to the amount, so keyd checks the amount (and
  # script) against it, and the txid against the input's outpoint.
  prevTx @3 :Data;
}

struct ChangeInfo {
  outputIndex @0 :UInt32;
  path @1 :List(UInt32);        # keyd derives it and checks the script
}

struct SignRequest {
  unsignedTx @0 :Data;
  inputs @1 :List(InputInfo);   # one per transaction input, in order
  change @2 :List(ChangeInfo);
  transferNames @3 :List(Data); # names the user explicitly asked to give away
}

struct NameEffect {
  name @0 :Data;
  operation @1 :Text;           # name_new | name_firstupdate | name_update
  value @2 :Data;
  toForeign @3 :Bool;           # the name output goes to an address not ours
}

struct SignedOutput {
  index @0 :UInt32;
  value @1 :Int64;
  scriptPubKey @2 :Data;
}

struct SignSummary {
  foreignOutputs @0 :List(SignedOutput);  # what leaves the wallet
  fee @1 :Int64;
  change @2 :Int64;
  names @3 :List(NameEffect);
  vsize @4 :UInt32;
}

# Secrets never cross the broker in the clear: each is a blob sealed to
# keyd's per-process X25519 key (sealingKey) by the ui, with its purpose and
# the network in the associated data (ipc/sealed_box.h). The broker relays
# blobs it cannot open.
interface Signer {
  hello @0 () -> (info :Common.ChildInfo);
  status @1 () -> (status :KeyStatus);
  # Creates a new keystore. The new phrase is returned sealed to the ui's
  # one-off key `phraseKey` (purpose "new-phrase"): only the ui can read it.
  create @2 (sealedPassword :Data, seedType :SeedType, network :Common.NetworkId,
             phraseKey :Data) -> (sealedPhrase :Data, accounts :List(Account));
  # sealedPhrase: purpose "phrase"; sealedPassphrase: "passphrase" (sealed
  # empty string for none); sealedPassword: "new-password".
  restore @3 (sealedPhrase :Data, sealedPassphrase :Data, seedType :SeedType,
              sealedPassword :Data, network :Common.NetworkId) -> (accounts :List(Account));
  unlock @4 (sealedPassword :Data, timeoutSeconds :UInt32, limits :SigningLimits) -> ();
  lock @5 () -> ();
  changePassword @6 (sealedOldPassword :Data, sealedNewPassword :Data) -> ();
  accounts @7 () -> (accounts :List(Account));
  signTransaction @8 (request :SignRequest) -> (signedTx :Data, summary :SignSummary);
  signMessage @9 (path :List(UInt32), message :Data) -> (signature :Text, address :Text);
  # Deterministic name_new salt (recoverable from the seed): HKDF of the
  # private key at `path` (below the account: the name_new output's
  # address), as Electrum-NMC and Namecoin Core derive it.
  nameSalt @10 (name :Data, path :List(UInt32)) -> (salt :Data);
  # keyd's X25519 public key for this process's life (a new one after a
  # restart; blobs sealed to the old one no longer open).
  sealingKey @11 () -> (publicKey :Data);
}
