// Error types of the broker's wallet engine: StoreError for the database
// (open, corruption, constraint), WalletError for wallet-level refusals.
#pragma once

#include <stdexcept>
#include <string>

namespace redoubt::broker {

class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& what) : std::runtime_error(what) {}
};

class WalletError : public std::runtime_error {
 public:
  explicit WalletError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace redoubt::broker
