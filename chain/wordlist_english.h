// The BIP39 English wordlist (2048 words, sorted), shared by BIP39 mnemonics
// and Electrum v2 seed phrases, with index lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace redoubt::chain {

constexpr size_t kWordlistSize = 2048;

// The words in order: index i encodes the 11-bit value i.
std::span<const std::string_view, kWordlistSize> bip39_english_words();
// The index of `word` (binary search; exact, lower-case ASCII), if listed.
std::optional<uint16_t> bip39_english_index(std::string_view word);

}  // namespace redoubt::chain
