#include "broker/engine.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>

#include "broker/engine_internal.h"
#include "broker/groupings_view.h"
#include "broker/name_policy.h"
#include "broker/spv.h"
#include "chain/address.h"
#include "chain/names.h"
#include "chain/script.h"
#include "netd/servers.h"

namespace redoubt::broker {

using namespace engine_detail;

namespace {

chain::Network chain_network(Network n) {
  switch (n) {
    case Network::kMainnet:
      return chain::Network::kMainnet;
    case Network::kTestnet:
      return chain::Network::kTestnet;
    case Network::kRegtest:
      return chain::Network::kRegtest;
  }
  return chain::Network::kMainnet;
}

}  // namespace

void wipe(chain::Bytes& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

void WalletEngine::ErrorHandler::taskFailed(kj::Exception&& ex) {
  e->notice_(std::string("wallet: ") + ipc::from_exception(ex).what());
}

WalletEngine::WalletEngine(kj::AsyncIoContext& io, Supervisor& sup, const Options& options,
                           std::function<void(const std::string&)> notice)
    : io_(io),
      sup_(sup),
      options_(options),
      notice_(std::move(notice)),
      params_(chain::params_for(chain_network(options.network))),
      db_path_(std::filesystem::path(options.datadir) / "wallet.db"),
      tasks_(handler_) {
  handler_.e = this;
  if (!options_.server.empty()) {
    server_ = parse_server(options_.server);
  } else if (options_.network != Network::kRegtest) {
    // No --server: one of Electrum-NMC's servers (netd/servers.cpp), picked
    // at random so wallets do not all pile onto the first; onion services
    // first when there are some, since they need no exit.
    auto list = netd::builtin_servers(
        options_.network == Network::kMainnet ? netd::Network::mainnet : netd::Network::testnet);
    std::vector<netd::ServerAddress> onions;
    for (const auto& sv : list)
      if (netd::is_onion(sv.host)) onions.push_back(sv);
    const auto& pool = onions.empty() ? list : onions;
    if (!pool.empty()) {
      unsigned char r = 0;
      RAND_bytes(&r, 1);
      const auto& pick = pool[r % pool.size()];
      server_ = ServerAddress{pick.host, pick.port, pick.tls};
    }
  }
  status_.server = server_.host.empty() ? "" : server_.display();
  if (!options_.crosscheck_server.empty()) {
    crosscheck_server_ = parse_server(options_.crosscheck_server);
    crosscheck_.server = crosscheck_server_.display();
    crosscheck_.status = CrossCheckStatus::kPending;
  }

  if (std::filesystem::exists(db_path_)) open_existing();
}

WalletEngine::~WalletEngine() = default;

void WalletEngine::open_existing() {
  try {
    store_ = std::make_unique<Store>(Store::open(db_path_));
    chain_ = std::make_unique<HeaderChain>(*store_, params_);
    model_ = std::make_unique<WalletModel>(*store_, params_);
    // A broker killed while a transaction waited for the user's answer.
    forget_all_held();
  } catch (const StoreError& e) {
    model_.reset();
    chain_.reset();
    store_.reset();
    throw;
  }
}

WalletModel& WalletEngine::model() {
  if (!model_)
    ipc::fail(ErrorCode::kNoWallet,
              "there is no wallet yet: run 'redoubt create' or 'redoubt restore'");
  return *model_;
}

void WalletEngine::add_accounts(
    const std::vector<std::tuple<std::string, std::string, bool>>& accounts) {
  if (!store_) {
    store_ = std::make_unique<Store>(Store::open(db_path_));
    chain_ = std::make_unique<HeaderChain>(*store_, params_);
    model_ = std::make_unique<WalletModel>(*store_, params_);
  }
  for (const auto& [path, xpub, segwit] : accounts) {
    model_->add_account(path, xpub,
                        segwit ? chain::KeyScriptType::kP2wpkh : chain::KeyScriptType::kP2pkh);
  }
}

std::string WalletEngine::server_key() const {
  return server_.host + ":" + std::to_string(server_.port);
}

void WalletEngine::drop_session(const std::string& why) {
  // At shutdown the connections go away with netd: nothing to report.
  if (session_ && !sup_.stopping()) notice_("dropped server " + server_.display() + ": " + why);
  session_.reset();
  status_.connected = false;
  status_.error = why;
  headers_busy_ = false;
  ++session_gen_;
  for (auto& w : waiters_) {
    if (w->isWaiting()) {
      w->reject(ipc::make_exception(ErrorCode::kNetwork,
                                    "cannot sync with " + server_.display() + ": " + why));
    }
  }
  waiters_.clear();
}

void WalletEngine::maybe_synced() {
  if (progress_) progress_(status_);
  if (!status_.connected || headers_busy_ || status_.pending != 0) return;
  status_.height = chain_->height();
  for (auto& w : waiters_) {
    if (w->isWaiting()) w->fulfill(SyncStatus(status_));
  }
  waiters_.clear();
}

kj::Promise<SyncStatus> WalletEngine::synced() {
  if (!model_) {
    return kj::Promise<SyncStatus>(ipc::make_exception(
        ErrorCode::kNoWallet, "there is no wallet yet: run 'redoubt create' or 'redoubt restore'"));
  }
  if (server_.host.empty()) {
    return kj::Promise<SyncStatus>(ipc::make_exception(
        ErrorCode::kNetwork, "no server configured: give --server HOST:PORT:s (or :t for .onion)"));
  }
  if (!status_.connected && !status_.error.empty() && session_ == nullptr) {
    // Try again: netd may have been restarted, the server may be back.
    status_.error.clear();
    start_network();
  }
  if (status_.connected && !headers_busy_ && status_.pending == 0 && status_.height > 0) {
    return SyncStatus(status_);
  }
  auto paf = kj::newPromiseAndFulfiller<SyncStatus>();
  waiters_.push_back(kj::mv(paf.fulfiller));
  return wait_synced(std::make_shared<kj::ForkedPromise<SyncStatus>>(paf.promise.fork()),
                     sync_steps_);
}

kj::Promise<SyncStatus> WalletEngine::wait_synced(
    std::shared_ptr<kj::ForkedPromise<SyncStatus>> done, uint64_t seen) {
  auto stalled = io_.provider->getTimer()
                     .afterDelay(120 * kj::SECONDS)
                     .then([this, done, seen]() -> kj::Promise<SyncStatus> {
                       if (sync_steps_ == seen) {
                         return ipc::make_exception(ErrorCode::kNetwork,
                                                    "the sync with " + server_.display() +
                                                        " made no progress for 2 minutes");
                       }
                       return wait_synced(done, sync_steps_);
                     });
  return done->addBranch().exclusiveJoin(kj::mv(stalled));
}

int32_t WalletEngine::confirmations(int32_t height) const {
  if (height <= 0) return 0;
  return chain_->height() - height + 1;
}

void WalletEngine::freeze(const std::string& target, bool frozen) {
  auto& m = model();
  if (target.size() > 64 && target[64] == ':') {
    chain::OutPoint op = parse_outpoint(target);
    if (!m.coin(op)) ipc::fail(ErrorCode::kUsage, target + " is not a coin of this wallet");
    m.set_coin_frozen(op, frozen);
    return;
  }
  auto script = guarded([&] { return chain::address_to_script(target, params_); });
  const AddressRecord* a = m.address_by_script(script);
  if (a == nullptr) ipc::fail(ErrorCode::kUsage, target + " is not an address of this wallet");
  m.set_address_frozen(a->id, frozen);
}

std::string WalletEngine::fresh_receive_address() {
  auto own = model().fresh_address(false);
  return chain::script_to_address(own.script, params_).value_or("?");
}
}  // namespace redoubt::broker
