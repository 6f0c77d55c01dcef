// The broker's side of the Wallet interface that the ui calls: adapts Cap'n
// Proto requests to the broker's supervisor and wallet engine.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "broker/config.h"
#include "broker/engine.h"
#include "broker/options.h"
#include "broker/supervisor.h"
#include "ipc/wallet.capnp.h"

namespace redoubt::broker {

struct BrokerContext {
  Options options;
  bool interactive = false;  // the broker's stdin and stdout are terminals
  Supervisor* supervisor = nullptr;
  unsigned ui_starts = 0;  // how many times the ui has been started
  class WalletEngine* engine = nullptr;
  Config config;                           // effective configuration, each value with its source
  std::string user_config_file;            // where `setconfig` writes ("" = none)
  class WalletEventHub* events = nullptr;  // Wallet.subscribe
};

// What one ui was started to run (a one-shot run's command line, or a
// daemon client's).
struct UiInvocation {
  std::vector<std::string> command;
  bool json = false;
  bool interactive = false;
};

class WalletServer final : public ipc::schema::Wallet::Server {
 public:
  // `attempt`: how many times this ui was restarted; `ui`: its supervisor id.
  WalletServer(BrokerContext& ctx, unsigned attempt, UiId ui, UiInvocation inv)
      : ctx_(ctx), attempt_(attempt), ui_(ui), inv_(std::move(inv)) {}
  // The ui went away: a transaction it held for the user's answer and never
  // broadcast or discarded is forgotten (WalletEngine::forget_held).
  ~WalletServer();

 protected:
  kj::Promise<void> invocation(InvocationContext context) override;
  kj::Promise<void> getInfo(GetInfoContext context) override;
  kj::Promise<void> finish(FinishContext context) override;
  kj::Promise<void> stop(StopContext context) override;
  kj::Promise<void> create(CreateContext context) override;
  kj::Promise<void> restore(RestoreContext context) override;
  kj::Promise<void> changePassword(ChangePasswordContext context) override;
  kj::Promise<void> sync(SyncContext context) override;
  kj::Promise<void> getBalance(GetBalanceContext context) override;
  kj::Promise<void> listAddresses(ListAddressesContext context) override;
  kj::Promise<void> getUnusedAddress(GetUnusedAddressContext context) override;
  kj::Promise<void> history(HistoryContext context) override;
  kj::Promise<void> listUnspent(ListUnspentContext context) override;
  kj::Promise<void> freeze(FreezeContext context) override;
  kj::Promise<void> payTo(PayToContext context) override;
  kj::Promise<void> broadcast(BroadcastContext context) override;
  kj::Promise<void> bumpFee(BumpFeeContext context) override;
  kj::Promise<void> signTransaction(SignTransactionContext context) override;
  kj::Promise<void> audit(AuditContext context) override;
  kj::Promise<void> nameNew(NameNewContext context) override;
  kj::Promise<void> nameFirstUpdate(NameFirstUpdateContext context) override;
  kj::Promise<void> nameAutoRegister(NameAutoRegisterContext context) override;
  kj::Promise<void> nameUpdate(NameUpdateContext context) override;
  kj::Promise<void> nameShow(NameShowContext context) override;
  kj::Promise<void> nameList(NameListContext context) override;
  kj::Promise<void> listAddressGroupings(ListAddressGroupingsContext context) override;
  kj::Promise<void> sealingKey(SealingKeyContext context) override;
  kj::Promise<void> signMessage(SignMessageContext context) override;
  kj::Promise<void> verifyMessage(VerifyMessageContext context) override;
  // wallet_server_config.cpp
  kj::Promise<void> getConfig(GetConfigContext context) override;
  kj::Promise<void> setConfig(SetConfigContext context) override;
  kj::Promise<void> subscribe(SubscribeContext context) override;
  kj::Promise<void> discard(DiscardContext context) override;

 private:
  void record_accounts(capnp::List<ipc::schema::Account>::Reader accounts);

  BrokerContext& ctx_;
  unsigned attempt_;
  UiId ui_;
  UiInvocation inv_;
  // keyd's or netd's status, or this ui's own.
  const ChildStatus& child(Role r) const {
    return r == Role::kUi ? ctx_.supervisor->ui_status(ui_) : ctx_.supervisor->status(r);
  }
  // Built by this ui with payTo(broadcast=false), not broadcast yet: the
  // only transactions `discard` may forget.
  std::set<std::string> held_;
};

}  // namespace redoubt::broker
