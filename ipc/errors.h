// The one error type that crosses process boundaries: a code from
// ipc/common.capnp's ErrorCode plus a message a user can act on. It travels
// as a Cap'n Proto exception whose description is "E<code>: <message>".
#pragma once

#include <kj/exception.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace redoubt::ipc {

enum class ErrorCode : int {
  kInternal = 0,
  kUsage = 1,
  kLocked = 2,
  kNoWallet = 3,
  kBadPassword = 4,
  kCorrupt = 5,
  kInsufficientFunds = 6,
  kNetwork = 7,
  kVerification = 8,
  kRefused = 9,
  kNotImplemented = 10,
  kConfinement = 11,
};

class RemoteError : public std::runtime_error {
 public:
  RemoteError(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Builds the exception a server method throws for `code`.
kj::Exception make_exception(ErrorCode code, std::string_view message);
// Throws it (for use inside capnp server methods).
[[noreturn]] void fail(ErrorCode code, std::string_view message);
// Recovers code and message from an exception that came over IPC. An
// exception without our prefix (a disconnect, a capnp limit) maps to kNetwork
// when the peer went away and kInternal otherwise.
RemoteError from_exception(const kj::Exception& e);

}  // namespace redoubt::ipc
