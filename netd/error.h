// The error type of netd's domain code: a message a user can act on. The
// Cap'n Proto adapter turns it into ipc::ErrorCode::kNetwork (or kUsage).
#pragma once

#include <stdexcept>
#include <string>

namespace redoubt::netd {

class NetError : public std::runtime_error {
 public:
  explicit NetError(const std::string& what) : std::runtime_error(what) {}
};

// A request that can never succeed as asked (bad configuration, bad argument):
// reported as a usage error, not a network failure.
class UsageError : public NetError {
 public:
  using NetError::NetError;
};

}  // namespace redoubt::netd
