// The child side of the process tree: serve one capability to the broker on
// fd 3 and run until the broker goes away.
#pragma once

#include <capnp/capability.h>
#include <kj/async-io.h>

#include <functional>

#include "ipc/peer.h"

namespace redoubt::ipc {

struct ChildContext {
  kj::AsyncIoContext& io;
  Peer& peer;         // the connection to the broker (to reach the broker's bootstrap)
  int exit_code = 0;  // what run_child returns when `main_task` completes
};

// Sets up the event loop, connects fd 3 to the broker, serves the capability
// that `make_bootstrap` returns, and runs until the broker closes the socket.
// Returns the process exit code: 0 on broker EOF, 70 when the connection broke
// (a protocol error), ctx.exit_code when `main_task` completed first.
// Order: event loop, `make_bootstrap`, connection on fd 3, then `lock_down`
// (the child's self-confinement: everything it needs is open by then), and
// only after that is any byte read from the broker. If `lock_down` throws,
// the child exits with 71 before serving anything.
int run_child(std::function<capnp::Capability::Client(kj::AsyncIoContext&)> make_bootstrap,
              std::function<void()> lock_down,
              std::function<kj::Promise<void>(ChildContext&)> main_task = nullptr);

}  // namespace redoubt::ipc
