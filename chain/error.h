// The one error type of chain/: malformed or invalid data, with a message that
// says what was wrong. Every parser throws this and nothing else for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace redoubt::chain {

class ChainError : public std::runtime_error {
 public:
  explicit ChainError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace redoubt::chain
