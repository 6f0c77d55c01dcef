// signmessage / verifymessage for the Wallet adapter: the broker names the
// key (its path below the account) for an address of this wallet, keyd
// signs; verification is plain chain/ code, no key needed.
#pragma once

#include <kj/async.h>

#include <string>

#include "broker/engine.h"
#include "chain/bytes.h"
#include "ipc/signer.capnp.h"

namespace redoubt::broker {

// Unlocks keyd with the sealed password for this one signature (with a fee
// cap of 1 sat, so the window can sign no transaction), asks it to sign
// `message` with the key of `address`, locks again (also on failure), and
// checks keyd names the same address. E1 for an address that is not this
// wallet's.
kj::Promise<std::string> sign_message(WalletEngine& engine, ipc::schema::Signer::Client signer,
                                      const std::string& address, chain::Bytes message,
                                      chain::Bytes sealed_password);

// Electrum's verifymessage: true when `signature` (base64, Namecoin message
// format) was made by the key of `address`. E1 for an invalid address;
// false for a malformed signature.
bool verify_message(const WalletEngine& engine, const std::string& address,
                    const chain::Bytes& message, const std::string& signature);

}  // namespace redoubt::broker
