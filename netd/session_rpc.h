// The Cap'n Proto Session capability: one Electrum connection (an
// ElectrumSession on its own thread) served to the broker, its results and
// notifications brought back to the event loop through the Hub's mailbox.
#pragma once

#include <kj/async.h>

#include "ipc/network.capnp.h"
#include "netd/rpc_server.h"
#include "netd/session.h"

namespace redoubt::netd {

struct OpenedSession {
  ipc::schema::Session::Client session;
  ByteVec certificate;  // the server's leaf certificate (DER); empty for plain TCP
};

// Connects in the background; resolves once server.version is agreed, or
// rejects with ipc ErrorCode kNetwork and the reason. Dropping the promise
// cancels the connection attempt.
kj::Promise<OpenedSession> open_session(Hub& hub, ipc::schema::SessionEvents::Client events,
                                        ElectrumSession::Options opts);

}  // namespace redoubt::netd
