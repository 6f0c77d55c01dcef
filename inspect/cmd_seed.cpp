// redoubt-inspect seed: what kind of seed phrase this is, and which keys and
// addresses it derives. Offline; the phrase may come from stdin ("-") so it
// need not appear in argv (where /proc/PID/cmdline shows it to every user).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "chain/address.h"
#include "chain/bip32.h"
#include "chain/bip39.h"
#include "chain/error.h"
#include "chain/params.h"
#include "chain/script.h"
#include "chain/secure.h"
#include "chain/seed.h"
#include "inspect/commands.h"

namespace redoubt::inspect {
namespace {

using chain::AccountLayout;
using chain::ElectrumSeedKind;
using chain::KeyScriptType;
using chain::SecureBytes;
using chain::SeedScheme;
using nlohmann::json;

constexpr uint32_t kMaxCount = 1000;

int usage() {
  std::fprintf(
      stderr,
      "usage: redoubt-inspect seed check WORDS|-\n"
      "       redoubt-inspect seed derive WORDS|- [--passphrase P | --passphrase-stdin]\n"
      "           [--network mainnet|testnet|regtest] [--path m/0/5] [--count N]\n"
      "           [--bip39-path m/84'/7'/0']\n"
      "WORDS \"-\" reads the phrase from the first line of stdin (keeps it out of argv).\n");
  return 2;
}

// One line from stdin, into secure memory.
SecureBytes read_line_stdin() {
  SecureBytes out;
  int c;
  while ((c = std::fgetc(stdin)) != EOF && c != '\n') {
    if (out.size() >= 4096) throw chain::ChainError("input line too long");
    uint8_t b = static_cast<uint8_t>(c);
    out.append(chain::ByteSpan(&b, 1));
  }
  return out;
}

struct Classified {
  ElectrumSeedKind electrum;
  bool bip39_valid;
  std::string type;  // standard, segwit, bip39, old, 2fa, 2fa_segwit, none
  bool supported;
};

Classified classify(std::string_view words) {
  Classified c;
  c.electrum = chain::electrum_seed_kind(words);
  c.bip39_valid = chain::bip39_is_valid(words);
  // Electrum's own order: its seed types first, BIP39 only otherwise.
  if (c.electrum == ElectrumSeedKind::kStandard || c.electrum == ElectrumSeedKind::kSegwit) {
    c.type = std::string(chain::to_string(c.electrum));
    c.supported = true;
  } else if (c.bip39_valid) {
    c.type = "bip39";
    c.supported = true;
  } else {
    c.type = std::string(chain::to_string(c.electrum));
    c.supported = false;
  }
  return c;
}

size_t word_count(std::string_view s) {
  size_t n = 0;
  bool in_word = false;
  for (char ch : s) {
    bool space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

int check(std::string_view words) {
  Classified c = classify(words);
  json out = {{"type", c.type},
              {"valid", c.type != "none"},
              {"supported", c.supported},
              {"electrum_type", chain::to_string(c.electrum)},
              {"bip39_checksum_valid", c.bip39_valid},
              {"words", word_count(words)}};
  if (c.type != "none" && !c.supported) {
    try {
      chain::scheme_for(c.electrum);
    } catch (const chain::ChainError& e) {
      out["reason"] = e.what();
    }
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

std::string address_for(const chain::PublicKey& key, KeyScriptType script,
                        const chain::NetworkParams& net) {
  chain::Hash160 h = key.key_hash();
  chain::Bytes spk =
      script == KeyScriptType::kP2pkh ? chain::p2pkh_script(h) : chain::p2wpkh_script(h);
  auto addr = chain::script_to_address(spk, net);
  if (!addr) throw chain::ChainError("no address for the derived script");
  return *addr;
}

struct DeriveArgs {
  std::optional<std::string> path;
  std::optional<std::string> bip39_path;
  std::string network = "mainnet";
  uint32_t count = 1;
};

int derive(std::string_view words, const SecureBytes& passphrase, const DeriveArgs& a) {
  const chain::NetworkParams& net = chain::params_by_name(a.network);
  Classified c = classify(words);
  if (!c.supported) {
    if (c.type == "none") throw chain::ChainError("not an Electrum or BIP39 seed phrase");
    chain::scheme_for(c.electrum);  // throws with the reason
  }
  SeedScheme scheme = c.type == "bip39"      ? SeedScheme::kBip39
                      : c.type == "standard" ? SeedScheme::kElectrumStandard
                                             : SeedScheme::kElectrumSegwit;
  AccountLayout layout = chain::account_layout(
      scheme, a.bip39_path ? std::optional<std::string_view>(*a.bip39_path) : std::nullopt);
  SecureBytes seed = scheme == SeedScheme::kBip39
                         ? chain::bip39_to_seed(words, passphrase.view())
                         : chain::electrum_seed_to_bip32_seed(words, passphrase.view());
  chain::ExtendedPrivateKey master = chain::ExtendedPrivateKey::from_seed(seed.span());
  chain::ExtendedPublicKey account = master.derive_path(layout.account).neuter();
  bool testnet = net.network != chain::Network::kMainnet;
  chain::Bip32Versions v = layout.script == KeyScriptType::kP2pkh
                               ? (testnet ? chain::kTprvTpub : chain::kXprvXpub)
                               : (testnet ? chain::kVprvVpub : chain::kZprvZpub);

  json keys = json::array();
  auto emit = [&](const chain::KeyPath& full) {
    // Hardened steps need the private key; the rest goes through the xpub
    // so the output shows what a watch-only wallet would derive.
    chain::PublicKey pk = master.derive_path(full).public_key();
    keys.push_back({{"path", chain::format_key_path(full)},
                    {"pubkey", chain::to_hex(pk.compressed())},
                    {"address", address_for(pk, layout.script, net)}});
  };
  if (a.path) {
    chain::KeyPath p = chain::parse_key_path(*a.path);
    if (p.empty()) throw chain::ChainError("--path must name a child, not m");
    for (uint32_t i = 0; i < a.count; ++i) {
      chain::KeyPath q = p;
      uint64_t last = (q.back() & ~chain::kHardened) + uint64_t{i};
      if (last >= chain::kHardened) throw chain::ChainError("--count runs past index 2^31-1");
      q.back() = (q.back() & chain::kHardened) | static_cast<uint32_t>(last);
      emit(q);
    }
  } else {
    for (uint32_t branch : {0u, 1u}) {  // receive, change
      for (uint32_t i = 0; i < a.count; ++i) {
        chain::KeyPath q = layout.account;
        q.push_back(branch);
        q.push_back(i);
        emit(q);
      }
    }
  }
  json out = {{"type", c.type},
              {"network", net.name},
              {"account_path", chain::format_key_path(layout.account)},
              {"script_type", layout.script == KeyScriptType::kP2pkh ? "p2pkh" : "p2wpkh"},
              {"account_xpub", account.to_base58(v.pub)},
              {"keys", keys}};
  std::cout << out.dump(2) << "\n";
  return 0;
}

int run(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string_view sub = argv[1];
  std::string_view words_arg = argv[2];
  bool words_from_stdin = words_arg == "-";
  DeriveArgs a;
  std::optional<std::string> passphrase_arg;
  bool passphrase_stdin = false;
  for (int i = 3; i < argc; ++i) {
    std::string_view opt = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw chain::ChainError(std::string(opt) + " needs a value");
      return argv[++i];
    };
    if (sub != "derive") return usage();
    if (opt == "--passphrase") {
      passphrase_arg = value();
    } else if (opt == "--passphrase-stdin") {
      passphrase_stdin = true;
    } else if (opt == "--network") {
      a.network = value();
    } else if (opt == "--path") {
      a.path = value();
    } else if (opt == "--bip39-path") {
      a.bip39_path = value();
    } else if (opt == "--count") {
      std::string v = value();
      unsigned long n = 0;
      size_t used = 0;
      try {
        n = std::stoul(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || n == 0 || n > kMaxCount) {
        throw chain::ChainError("--count must be 1.." + std::to_string(kMaxCount));
      }
      a.count = static_cast<uint32_t>(n);
    } else {
      return usage();
    }
  }
  if (passphrase_arg && passphrase_stdin) return usage();
  SecureBytes words = words_from_stdin ? read_line_stdin() : SecureBytes::from_string(words_arg);
  SecureBytes passphrase = passphrase_stdin ? read_line_stdin()
                           : passphrase_arg ? SecureBytes::from_string(*passphrase_arg)
                                            : SecureBytes();
  if (passphrase_arg) chain::secure_wipe(*passphrase_arg);
  if (sub == "check") return check(words.view());
  if (sub == "derive") return derive(words.view(), passphrase, a);
  return usage();
}

}  // namespace

int cmd_seed(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const chain::ChainError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

}  // namespace redoubt::inspect
