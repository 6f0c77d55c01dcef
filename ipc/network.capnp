# broker -> netd. netd speaks TLS and JSON to untrusted servers through Tor and
# hands back raw bytes; the broker verifies everything before believing it.
@0xc03bb6c2c817585b;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("redoubt::ipc::schema");
using Common = import "common.capnp";

struct Server {
  host @0 :Text;                # hostname or .onion, never resolved by netd
  port @1 :UInt16;
  tls @2 :Bool;                 # "s" servers; "t" (and onion) are plain TCP
}

# netd starts with an empty environment: the broker passes the Tor variables
# and the user's proxy choice here.
struct NetConfig {
  proxy @0 :Text;               # explicit: "unix:/path", "socks5:HOST:PORT", "none", "" = auto
  torSocksIpcPath @1 :Text;
  torSocksHost @2 :Text;
  torSocksPort @3 :Text;
  torTransproxy @4 :Bool;
  network @5 :Common.NetworkId;
}

enum ProxyKind { unix @0; tcp @1; transproxy @2; none @3; }

struct ProxyInfo {
  kind @0 :ProxyKind;
  address @1 :Text;             # socket path or host:port
  source @2 :Text;              # "--proxy", "TOR_SOCKS_IPC_PATH", "default", ...
}

struct HistoryEntry {
  txHash @0 :Data;              # internal byte order
  height @1 :Int32;             # 0 = mempool, -1 = mempool with unconfirmed inputs
  fee @2 :Int64;                # mempool only, else 0
}

struct Utxo {
  txHash @0 :Data;
  outputIndex @1 :UInt32;
  height @2 :Int32;
  value @3 :Int64;
}

interface SessionEvents {
  newHeader @0 (height :UInt32, header :Data) -> ();
  scripthashStatus @1 (scripthash :Data, status :Data) -> ();
  closed @2 (reason :Text) -> ();
}

interface Session {
  serverInfo @0 () -> (serverVersion :Text, protocol :Text, certificate :Data);
  headersSubscribe @1 () -> (height :UInt32, header :Data);
  # Raw headers (80 bytes + AuxPoW each, or 80 with cpHeight); with cpHeight,
  # also the checkpoint merkle root and branch.
  getHeaders @2 (startHeight :UInt32, count :UInt32, cpHeight :UInt32)
      -> (headers :List(Data), root :Data, branch :List(Data));
  subscribeScripthash @3 (scripthash :Data) -> (status :Data);
  unsubscribeScripthash @4 (scripthash :Data) -> ();
  getHistory @5 (scripthash :Data) -> (entries :List(HistoryEntry));
  getMempool @6 (scripthash :Data) -> (entries :List(HistoryEntry));
  listUnspent @7 (scripthash :Data) -> (utxos :List(Utxo));
  getTransaction @8 (txHash :Data) -> (raw :Data);
  getMerkle @9 (txHash :Data, height :UInt32) -> (blockHeight :UInt32, pos :UInt32, branch :List(Data));
  broadcast @10 (rawTx :Data) -> (txHash :Data);
  estimateFee @11 (blocks :UInt32) -> (satPerKvB :Int64);   # -1 when unknown
  relayFee @12 () -> (satPerKvB :Int64);
  ping @13 () -> ();
  close @14 () -> ();
}

interface Network {
  hello @0 () -> (info :Common.ChildInfo);
  configure @1 (config :NetConfig) -> (proxy :ProxyInfo);
  # Opens a connection to one server. A non-empty streamId gets its own
  # connection and SOCKS credentials (stream isolation); "" is the main session.
  openSession @2 (server :Server, pinnedCertificate :Data, streamId :Text, events :SessionEvents)
      -> (session :Session, certificate :Data);
}
