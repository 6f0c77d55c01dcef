// BIP39 mnemonics (English wordlist) as an import option: entropy <->
// mnemonic with its SHA-256 checksum, validation, and the PBKDF2 seed.
#pragma once

#include <string_view>

#include "chain/bytes.h"
#include "chain/secure.h"

namespace redoubt::chain {

// 16, 20, 24, 28 or 32 bytes of entropy -> 12..24 words joined by single
// spaces. Throws ChainError for other lengths.
SecureBytes bip39_entropy_to_mnemonic(ByteSpan entropy);

// Words (separated by any ASCII whitespace) -> entropy. Throws ChainError
// naming the problem: a non-ASCII byte, a word not in the list, a word count
// other than 12/15/18/21/24, or a checksum mismatch. Words must be exactly
// as listed (lower case), as in Electrum's bip39_is_checksum_valid.
SecureBytes bip39_mnemonic_to_entropy(std::string_view mnemonic);
bool bip39_is_valid(std::string_view mnemonic);

// seed = PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" + passphrase, 2048, 64).
// The mnemonic's whitespace is collapsed to single spaces first (as Electrum
// does). BIP39 asks for NFKD of both strings; NFKD is the identity on ASCII
// and we carry no Unicode tables, so a non-ASCII mnemonic or passphrase is
// rejected with ChainError rather than silently giving a different seed. The
// checksum is not required here (Electrum lets a user import a mnemonic with
// a bad checksum); call bip39_is_valid first to insist on it.
SecureBytes bip39_to_seed(std::string_view mnemonic, std::string_view passphrase);

}  // namespace redoubt::chain
