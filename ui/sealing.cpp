#include "ui/sealing.h"

namespace redoubt::ui {

chain::Network chain_network(ipc::schema::NetworkId n) {
  switch (n) {
    case ipc::schema::NetworkId::MAINNET:
      return chain::Network::kMainnet;
    case ipc::schema::NetworkId::TESTNET:
      return chain::Network::kTestnet;
    case ipc::schema::NetworkId::REGTEST:
      return chain::Network::kRegtest;
  }
  return chain::Network::kMainnet;
}

chain::Bytes SealToKeyd::operator()(const Secret& secret, ipc::sealed::Purpose purpose) const {
  return ipc::sealed::seal(key_, chain::as_span(secret.str()), purpose, network_);
}

kj::Promise<SealToKeyd> seal_to_keyd(CommandContext& ctx) {
  chain::Network net = chain_network(ctx.network);
  return ctx.wallet.sealingKeyRequest().send().then([net](auto&& r) {
    auto k = r.getPublicKey();
    return SealToKeyd(chain::Bytes(k.begin(), k.end()), net);
  });
}

}  // namespace redoubt::ui
