// Tor v3 onion service names for the test universe, well-formed per Tor's
// rend-spec-v3 ("encoding onion addresses"), so a client that checks the
// checksum and version accepts them.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace redoubt::testsupport {

// base32(PUBKEY || CHECKSUM || VERSION) + ".onion", where CHECKSUM =
// SHA3-256(".onion checksum" || PUBKEY || VERSION)[:2] and VERSION = 3.
std::string onion_v3_address(const std::array<uint8_t, 32>& ed25519_pubkey);
// The onion name of the ed25519 key with this 32-byte seed.
std::string onion_v3_address_from_seed(const std::array<uint8_t, 32>& seed);
// The universe's default onion name (a fixed seed: stable across runs).
std::string default_universe_onion();

}  // namespace redoubt::testsupport
