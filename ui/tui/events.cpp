// The ui's WalletEvents server: the broker calls it with sync progress,
// balance changes, new transactions and notices; it forwards them to the App
// while the App lives (a late event after quitting is dropped).
#include <memory>

#include "ipc/wallet.capnp.h"
#include "ui/tui/app.h"

namespace redoubt::ui::tui {
namespace {

class EventsServer final : public ipc::schema::WalletEvents::Server {
 public:
  explicit EventsServer(std::shared_ptr<App*> app) : app_(std::move(app)) {}

 protected:
  kj::Promise<void> syncProgress(SyncProgressContext context) override {
    auto p = context.getParams().getProgress();
    if (*app_ != nullptr)
      (*app_)->on_progress(p.getHeight(), p.getTarget(), p.getAddressesPending());
    return kj::READY_NOW;
  }
  kj::Promise<void> newTransaction(NewTransactionContext) override {
    if (*app_ != nullptr) (*app_)->on_changed();
    return kj::READY_NOW;
  }
  kj::Promise<void> balanceChanged(BalanceChangedContext) override {
    if (*app_ != nullptr) (*app_)->on_changed();
    return kj::READY_NOW;
  }
  kj::Promise<void> notice(NoticeContext context) override {
    if (*app_ != nullptr) (*app_)->on_notice(context.getParams().getMessage());
    return kj::READY_NOW;
  }

 private:
  std::shared_ptr<App*> app_;
};

}  // namespace

ipc::schema::WalletEvents::Client make_events_server(std::shared_ptr<App*> app) {
  return kj::heap<EventsServer>(std::move(app));
}

}  // namespace redoubt::ui::tui
