// The broker's wallet engine wired to the live children: opens the wallet
// database, syncs headers and history through netd (verifying every header,
// AuxPoW, transaction hash and merkle proof before storing anything), and
// builds, has keyd sign, and broadcasts payments and name operations.
#pragma once

#include <kj/async-io.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/crosscheck.h"
#include "broker/header_chain.h"
#include "broker/netd_link.h"
#include "broker/options.h"
#include "broker/store.h"
#include "broker/supervisor.h"
#include "broker/tx_builder.h"
#include "broker/wallet_model.h"
#include "chain/params.h"

namespace redoubt::broker {

struct SyncStatus {
  int32_t height = 0;         // our verified tip
  int32_t server_height = 0;  // what the server claims
  size_t pending = 0;         // scripthashes still to fetch
  bool connected = false;
  std::string server;
  std::string proxy;
  std::string error;  // why the last session ended, if it did
};

// What a send produced, for the ui (the summary is keyd's own).
struct SendOutcome {
  chain::Hash256 txid{};
  chain::Bytes raw;
  bool broadcast = false;
  bool signed_by_keyd = false;
  // keyd's summary, copied field by field by the Wallet adapter.
  struct Out {
    uint32_t index;
    int64_t value;
    chain::Bytes script;
  };
  std::vector<Out> foreign;
  int64_t fee = 0, change = 0;
  uint32_t vsize = 0;
  struct NameEffect {
    chain::Bytes name;
    std::string op;
    chain::Bytes value;
    bool to_foreign;
  };
  std::vector<NameEffect> names;
};

// Wipes a buffer when a request (or a lambda's copy of it) goes away. The
// password fields below hold only a blob sealed to keyd (ipc/sealed_box.h),
// which the broker cannot open; wiping it is belt and braces.
void wipe(chain::Bytes& secret);

struct PayRequest {
  PayRequest() = default;
  PayRequest(const PayRequest&) = default;
  PayRequest(PayRequest&&) = default;
  PayRequest& operator=(const PayRequest&) = default;
  PayRequest& operator=(PayRequest&&) = default;
  ~PayRequest() { wipe(sealed_password); }
  std::vector<std::pair<std::string, int64_t>> outputs;  // address, sat
  std::optional<int64_t> fee_rate;                       // sat/kvB
  std::vector<std::string> from_coins, from_addresses;
  bool rbf = true, unsigned_only = false, broadcast = true;
  // Not broadcast, held for the user's answer (the interactive mode's
  // "Broadcast it?"): forgotten if never answered (forget_held).
  bool hold = false;
  std::string stream_id;
  chain::Bytes sealed_password;  // sealed to keyd; ciphertext only
};

struct NameRequest {
  NameRequest() = default;
  NameRequest(const NameRequest&) = default;
  NameRequest(NameRequest&&) = default;
  NameRequest& operator=(const NameRequest&) = default;
  NameRequest& operator=(NameRequest&&) = default;
  ~NameRequest() { wipe(sealed_password); }
  chain::Bytes name, value;
  bool has_value = true;
  std::string destination;
  bool allow_existing = false;
  std::string identifier;
  std::optional<int64_t> fee_rate;
  chain::Bytes sealed_password;  // sealed to keyd; ciphertext only
};

struct NameView {
  chain::Bytes name, value;
  chain::Hash256 txid{};
  uint32_t vout = 0;
  std::string address;
  int32_t height = 0;
  int32_t expires_in = 0;
  bool expired = false, is_mine = false, verified = false;
  std::string pending;
};

// A name lookup's result (a plain struct: GCC 12 warns falsely about
// std::optional inside kj promises).
struct NameLookup {
  bool found = false;
  NameView view;
};

class WalletEngine {
 public:
  WalletEngine(kj::AsyncIoContext& io, Supervisor& sup, const Options& options,
               std::function<void(const std::string&)> notice);
  ~WalletEngine();

  bool has_wallet() const { return model_ != nullptr; }
  const chain::NetworkParams& params() const { return params_; }
  // After keyd created or restored a keystore: record its accounts.
  void add_accounts(const std::vector<std::tuple<std::string, std::string, bool>>& accounts);

  // Starts (or restarts, after netd came back) the main server session.
  void start_network();
  // Resolves once headers and every subscribed address are caught up.
  kj::Promise<SyncStatus> synced();
  SyncStatus status() const { return status_; }
  // Called whenever the sync status moves (headers connected, an address done).
  void on_progress(std::function<void(const SyncStatus&)> f) { progress_ = std::move(f); }

  WalletModel& model();
  HeaderChain& headers() { return *chain_; }

  kj::Promise<SendOutcome> pay(PayRequest req);
  kj::Promise<chain::Hash256> broadcast(chain::Bytes raw, std::string stream_id);
  // BIP125: replaces our unconfirmed transaction `txid` (hex) by one paying
  // `fee_rate` sat/kvB (engine_bumpfee.cpp); the original is marked replaced.
  kj::Promise<SendOutcome> bump_fee(std::string txid, int64_t fee_rate,
                                    chain::Bytes sealed_password);
  // The offline flow: signs an unsigned transaction made by `payto
  // --unsigned` (or anyone), spending only coins of this wallet.
  kj::Promise<SendOutcome> sign_transaction(chain::Bytes unsigned_tx, chain::Bytes sealed_password);
  kj::Promise<SendOutcome> name_new(NameRequest req, bool autoregister);
  kj::Promise<SendOutcome> name_firstupdate(NameRequest req);
  kj::Promise<SendOutcome> name_update(NameRequest req);
  kj::Promise<NameView> name_show(chain::Bytes name, std::string stream_id);
  std::vector<NameView> name_list();
  Store& store() {
    model();
    return *store_;
  }
  void freeze(const std::string& target, bool frozen);
  // A held transaction (PayRequest::hold) whose user never answered: the ui
  // went away, or the broker is stopping. Removed with its "held:" marker if
  // it is still local and unconfirmed; a transaction not held is left alone
  // (`pay --no-broadcast` keeps its transaction for a later `broadcast`).
  // The markers left by a killed broker are forgotten when the wallet opens.
  // engine_recover.cpp.
  void forget_held(const chain::Hash256& txid);
  void forget_all_held();
  std::string fresh_receive_address();
  // The cross-check of our tip with the second server (engine_crosscheck.cpp):
  // this run's outcome, else the one remembered from an earlier run.
  CrossCheckReport crosscheck() const;

 private:
  struct Pending;
  kj::Promise<void> run_session();
  kj::Promise<void> sync_headers();
  kj::Promise<void> sync_headers_from(int32_t from, int32_t back);
  kj::Promise<SendOutcome> broadcast_checked(SendOutcome out, std::string stream_id);
  // After a sync: sends again, each on its own stream, the transactions a
  // send recorded and began to broadcast but never saw answered (the broker
  // was killed in between); engine_recover.cpp.
  kj::Promise<void> rebroadcast_local();
  kj::Promise<void> sync_scripthash(chain::Bytes scripthash);
  struct FetchedTx;  // engine_sync.cpp
  kj::Promise<FetchedTx> fetch_tx(chain::Hash256 txid, int32_t height);
  // `window`: addresses synced at once (run_session's top level only, so the
  // requests in flight stay bounded; nested discovery is one at a time).
  kj::Promise<void> subscribe_all(std::vector<AddressRecord> addrs, size_t window = 1);
  void on_header(uint32_t height);
  void on_status(chain::Bytes scripthash);
  void drop_session(const std::string& why);
  void maybe_synced();
  kj::Promise<void> process_queue();
  kj::Promise<SendOutcome> sign_only(ipc::schema::Signer::Client signer, BuiltTx built,
                                     std::vector<chain::Bytes> transfer_names, bool hold = false);
  kj::Promise<SendOutcome> finish_send(ipc::schema::Signer::Client signer, SendOutcome out);
  kj::Promise<NameLookup> lookup_name(const chain::Bytes& name, std::string stream_id);
  kj::Promise<NameLookup> try_entries(std::shared_ptr<ServerSession> s, chain::Bytes name,
                                      std::vector<UnverifiedHistoryEntry> entries, size_t i,
                                      size_t rejected);
  enum class AfterSigning { kBroadcast, kKeep, kHold };
  kj::Promise<SendOutcome> sign_and_send(BuiltTx built, chain::Bytes sealed_password,
                                         AfterSigning after, std::string stream_id,
                                         std::vector<chain::Bytes> transfer_names);
  kj::Promise<int64_t> fee_rate(std::optional<int64_t> requested);
  BuildOptions build_options(int64_t rate);
  std::string server_key() const;
  kj::Promise<chain::Hash256> broadcast_isolated(const chain::Bytes& raw, std::string stream_id);
  int32_t confirmations(int32_t height) const;
  void open_existing();
  // Asks the second server (own isolated stream) for its tip and judges it;
  // never fails: unreachable is an outcome (engine_crosscheck.cpp).
  kj::Promise<void> run_crosscheck();
  void record_crosscheck(CrossCheckReport r);
  // Refuses (E8) anything that would broadcast while the servers disagree.
  void require_undisputed_tip() const;

  kj::AsyncIoContext& io_;
  Supervisor& sup_;
  Options options_;
  std::function<void(const std::string&)> notice_;
  std::function<void(const SyncStatus&)> progress_;
  const chain::NetworkParams& params_;
  std::filesystem::path db_path_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<HeaderChain> chain_;
  std::unique_ptr<WalletModel> model_;
  ServerAddress server_;
  ServerAddress crosscheck_server_;  // host empty: none configured
  CrossCheckReport crosscheck_;      // this run's outcome
  std::unique_ptr<ServerSession> session_;
  std::shared_ptr<SessionListener> listener_;
  SyncStatus status_;
  unsigned session_gen_ = 0;
  bool headers_busy_ = false;
  std::set<chain::Hash256> in_flight_;  // broadcasts of sends under way
  std::vector<kj::Own<kj::PromiseFulfiller<SyncStatus>>> waiters_;
  // Bumped by each header chunk and address synced: synced() gives up only
  // after two minutes without a step (a large first sync takes longer).
  uint64_t sync_steps_ = 0;
  kj::Promise<SyncStatus> wait_synced(std::shared_ptr<kj::ForkedPromise<SyncStatus>> done,
                                      uint64_t seen);
  struct ErrorHandler : kj::TaskSet::ErrorHandler {
    WalletEngine* e = nullptr;
    void taskFailed(kj::Exception&& ex) override;
  } handler_;
  kj::TaskSet tasks_;
};

}  // namespace redoubt::broker
