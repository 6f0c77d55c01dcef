// Live updates for the uis that called Wallet.subscribe: the engine's sync
// progress, balance changes, new transactions and the broker's notices.
#pragma once

#include <kj/async.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/engine.h"
#include "ipc/wallet.capnp.h"

namespace redoubt::broker {

class WalletEventHub {
 public:
  WalletEventHub();
  // Starts listening to `engine`'s sync progress (the engine outlives us).
  void attach(WalletEngine& engine);
  void subscribe(ipc::schema::WalletEvents::Client events);
  // A notice for the user: to every subscriber, or to stderr when no ui is
  // listening (a one-shot command's terminal is line-oriented then; a
  // full-screen ui's is not, and must not be scribbled on).
  void notice(const std::string& message);
  size_t subscribers() const { return subs_.size(); }

 private:
  struct Sub {
    uint64_t id;
    ipc::schema::WalletEvents::Client client;
  };
  void on_progress(const SyncStatus& st);
  void send(uint64_t id, kj::Promise<void> call);
  void drop(uint64_t id);

  WalletEngine* engine_ = nullptr;
  std::vector<Sub> subs_;
  uint64_t next_id_ = 1;
  bool have_balance_ = false;
  Balance last_balance_;
  std::set<std::string> seen_txids_;
  bool seen_init_ = false;
  std::pair<uint64_t, size_t> seen_at_{};  // model additions and history size last walked
  struct Handler : kj::TaskSet::ErrorHandler {
    void taskFailed(kj::Exception&&) override {}
  } handler_;
  kj::TaskSet tasks_;
};

}  // namespace redoubt::broker
