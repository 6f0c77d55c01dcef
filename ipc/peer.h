// One end of a broker<->child Cap'n Proto connection on a socket fd: serves a
// bootstrap capability and reaches the other side's, with deliberate limits.
#pragma once

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <cstdint>

namespace redoubt::ipc {

// The child's end of its socketpair is always this fd (set up by the spawner).
inline constexpr int kChildFd = 3;

// Reader limits for one connection. Wallet messages are kilobytes; the largest
// legitimate ones are netd's header chunks (2016 merge-mined headers, about
// 0.7 MiB) and a 1,000-input signing request (about 0.2 MiB). Anything larger
// is a protocol violation and ends the connection.
struct Limits {
  uint64_t traversal_words;  // also the largest accepted message, in 8-byte words
  int nesting;
};
inline constexpr Limits kKeydLimits{512ULL * 1024, 16};   // 4 MiB
inline constexpr Limits kNetdLimits{1024ULL * 1024, 16};  // 8 MiB
inline constexpr Limits kUiLimits{256ULL * 1024, 16};     // 2 MiB
inline constexpr Limits kFromBrokerLimits{1024ULL * 1024, 32};

// A two-party RPC connection over a stream socket. The stream is a plain
// AsyncIoStream, not an AsyncCapabilityStream: no file descriptor can ever be
// received over it (maxFdsPerMessage is effectively 0), so a child cannot
// pass the broker an fd.
class Peer {
 public:
  // `is_broker` picks the two-party side (broker = server, child = client).
  Peer(kj::LowLevelAsyncIoProvider& io, int fd, capnp::Capability::Client bootstrap, Limits limits,
       bool is_broker);
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // The capability the other side serves.
  template <typename T>
  typename T::Client remote() {
    return remote_.castAs<T>();
  }
  // Resolves when the connection ends (EOF) and rejects when it breaks
  // (a malformed or oversize message, a reset).
  kj::Promise<void> on_disconnect();

 private:
  capnp::Capability::Client remote_bootstrap();

  kj::Own<kj::AsyncIoStream> stream_;
  capnp::TwoPartyVatNetwork network_;
  capnp::RpcSystem<capnp::rpc::twoparty::VatId> rpc_;
  bool is_broker_;
  // Requested at construction: in a two-party network the client side only
  // reads from the socket once it has connected, which bootstrapping does.
  capnp::Capability::Client remote_;
};

}  // namespace redoubt::ipc
