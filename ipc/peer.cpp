#include "ipc/peer.h"

namespace redoubt::ipc {
namespace {

capnp::ReaderOptions reader_options(Limits limits) {
  capnp::ReaderOptions opts;
  opts.traversalLimitInWords = limits.traversal_words;
  opts.nestingLimit = limits.nesting;
  return opts;
}

capnp::rpc::twoparty::Side side_of(bool is_broker) {
  return is_broker ? capnp::rpc::twoparty::Side::SERVER : capnp::rpc::twoparty::Side::CLIENT;
}

}  // namespace

Peer::Peer(kj::LowLevelAsyncIoProvider& io, int fd, capnp::Capability::Client bootstrap,
           Limits limits, bool is_broker)
    // TAKE_OWNERSHIP: the fd is closed with the stream.
    : stream_(io.wrapSocketFd(fd, kj::LowLevelAsyncIoProvider::TAKE_OWNERSHIP)),
      network_(*stream_, side_of(is_broker), reader_options(limits)),
      rpc_(capnp::makeRpcServer(network_, kj::mv(bootstrap))),
      is_broker_(is_broker),
      remote_(remote_bootstrap()) {}

capnp::Capability::Client Peer::remote_bootstrap() {
  capnp::word scratch[4];
  memset(scratch, 0, sizeof(scratch));
  capnp::MallocMessageBuilder message(scratch);
  auto vat = message.getRoot<capnp::rpc::twoparty::VatId>();
  vat.setSide(is_broker_ ? capnp::rpc::twoparty::Side::CLIENT : capnp::rpc::twoparty::Side::SERVER);
  return rpc_.bootstrap(vat);
}

kj::Promise<void> Peer::on_disconnect() {
  return network_.onDisconnect();
}

}  // namespace redoubt::ipc
