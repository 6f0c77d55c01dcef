// keyd's one error type: what went wrong, as a kind the Cap'n Proto adapter
// maps to an ipc::ErrorCode, plus a message a user can act on. Domain code
// never includes capnp headers, so it cannot throw ipc errors itself.
#pragma once

#include <stdexcept>
#include <string>

namespace redoubt::keyd {

enum class ErrorKind {
  kInternal,     // a bug or an I/O failure
  kUsage,        // the request itself was malformed
  kLocked,       // no unlocked key
  kNoKeystore,   // create or restore first
  kExists,       // a keystore is already there (create/restore refuse to overwrite)
  kBadPassword,  // the password did not decrypt the keystore
  kCorrupt,      // the keystore failed its integrity check (left untouched)
  kRefused,      // keyd will not sign this (mismatch, limits, name protection)
};

class KeydError : public std::runtime_error {
 public:
  KeydError(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace redoubt::keyd
