// The ui's half of sealed secrets (ipc/sealed_box.h): fetches keyd's current
// sealing key through the broker and seals each password or phrase to it,
// so the broker relays only ciphertext.
#pragma once

#include <kj/async.h>

#include "chain/bytes.h"
#include "chain/params.h"
#include "ipc/sealed_box.h"
#include "ui/commands.h"
#include "ui/password.h"

namespace redoubt::ui {

chain::Network chain_network(ipc::schema::NetworkId n);

// Seals secrets to one keyd key for this command's network.
class SealToKeyd {
 public:
  SealToKeyd(chain::Bytes key, chain::Network network) : key_(std::move(key)), network_(network) {}
  chain::Bytes operator()(const Secret& secret, ipc::sealed::Purpose purpose) const;

 private:
  chain::Bytes key_;
  chain::Network network_;
};

// Asks the broker for keyd's key (Wallet.sealingKey).
kj::Promise<SealToKeyd> seal_to_keyd(CommandContext& ctx);

inline capnp::Data::Reader as_blob(const chain::Bytes& b) {
  return capnp::Data::Reader(b.data(), b.size());
}

}  // namespace redoubt::ui
