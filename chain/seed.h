// Electrum v2 seed phrases as Electrum-NMC uses them (version prefix from an
// HMAC, not a checksum): normalization, type detection, generation, the
// PBKDF2 to a BIP32 seed, and which account path and script each seed type
// uses (also for imported BIP39 mnemonics).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chain/bip32.h"
#include "chain/bytes.h"
#include "chain/secure.h"

namespace redoubt::chain {

// What Electrum's seed_type() says about a phrase.
enum class ElectrumSeedKind {
  kNone,       // not an Electrum seed
  kOld,        // Electrum 1.x seed (hex or old wordlist): unsupported here
  kStandard,   // version prefix "01": P2PKH, m/
  kSegwit,     // "100": P2WPKH, m/0'
  k2fa,        // "101": TrustedCoin 2FA: unsupported here
  k2faSegwit,  // "102": TrustedCoin 2FA segwit: unsupported here
};
std::string_view to_string(ElectrumSeedKind kind);

// Electrum's normalize_text for the ASCII subset: lower-case, whitespace
// runs collapsed to one space, leading/trailing whitespace removed. NFKD,
// accent stripping and CJK joining are identities on ASCII; any non-ASCII
// byte throws ChainError (English phrases only: we carry no Unicode tables).
// The result may hold a secret: it comes back in SecureBytes.
// Longer input (phrase or passphrase) is refused: real ones are a few hundred bytes.
constexpr size_t kMaxSeedTextLength = 4096;
SecureBytes normalize_electrum_text(std::string_view text);

ElectrumSeedKind electrum_seed_kind(std::string_view phrase);
// Whether the normalized phrase's HMAC-SHA512(key="Seed version") hex starts
// with `prefix` (Electrum's is_new_seed).
bool electrum_seed_has_prefix(std::string_view phrase, std::string_view prefix);
// Electrum's is_old_seed: 16 or 32 bytes of hex, or 12 or 24 words all from
// the Electrum 1.x wordlist.
bool is_old_electrum_seed(std::string_view phrase);

// PBKDF2-HMAC-SHA512(normalize(phrase), "electrum" + normalize(passphrase),
// 2048 rounds, 64 bytes). Electrum normalizes (so lower-cases) the
// passphrase too. Throws ChainError for non-ASCII input.
SecureBytes electrum_seed_to_bip32_seed(std::string_view phrase, std::string_view passphrase);

// A new phrase as Electrum's Mnemonic.make_seed does it: 132 bits from
// OpenSSL's RAND_bytes (12 words of the BIP39 English list, base 2048,
// least significant word first), then count up from that value until the
// phrase has the wanted version prefix and is neither an old-style seed nor
// a valid BIP39 mnemonic. Only kStandard and kSegwit are accepted.
SecureBytes make_electrum_seed(ElectrumSeedKind kind);

// How the wallet derives keys from a seed.
enum class SeedScheme { kElectrumStandard, kElectrumSegwit, kBip39 };
enum class KeyScriptType { kP2pkh, kP2wpkh };

struct AccountLayout {
  KeyPath account;       // receive = account/0/i, change = account/1/i
  KeyScriptType script;  // the output script each derived key pays to
};
// Namecoin's SLIP-44 coin type, used in the BIP39 import default path.
constexpr uint32_t kNamecoinCoinType = 7;
// Electrum standard: m/ with P2PKH; Electrum segwit: m/0' with P2WPKH;
// BIP39: `bip39_path` (default m/84'/7'/0', BIP84 with coin type 7) with
// P2WPKH, or P2PKH when the path's purpose is 44'.
AccountLayout account_layout(SeedScheme scheme,
                             std::optional<std::string_view> bip39_path = std::nullopt);
// The scheme of an Electrum seed kind; throws ChainError for the unsupported
// kinds (old, 2fa) with a message saying why.
SeedScheme scheme_for(ElectrumSeedKind kind);

}  // namespace redoubt::chain
