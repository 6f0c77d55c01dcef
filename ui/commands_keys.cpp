// Keystore commands: create, restore, password. Secrets are read here and
// sealed to keyd (ui/sealing.h) before they go to the broker, which only
// relays ciphertext; none is printed except the new seed phrase, once, by
// `create`, which keyd returns sealed to this ui's one-off key.
#include <iostream>

#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"
#include "ui/password.h"
#include "ui/sealing.h"

namespace redoubt::ui {
namespace {

using ipc::sealed::Purpose;

// Asks for a new password (twice at a terminal). Empty passwords are refused:
// the keystore would be as good as unencrypted.
bool read_new_password(CommandContext& ctx, Secret& out) {
  out = read_secret("New password: ");
  if (out.empty()) {
    std::cerr << "redoubt: an empty password would leave the seed unprotected\n";
    return false;
  }
  if (ctx.interactive && !secret_fd_in_use()) {
    Secret again = read_secret("Repeat the password: ");
    if (again.str() != out.str()) {
      std::cerr << "redoubt: the passwords differ\n";
      return false;
    }
  }
  return true;
}

bool parse_seed_type(const std::string& s, ipc::schema::SeedType& out) {
  if (s == "segwit")
    out = ipc::schema::SeedType::SEGWIT;
  else if (s == "standard")
    out = ipc::schema::SeedType::STANDARD;
  else if (s == "bip39")
    out = ipc::schema::SeedType::BIP39;
  else
    return false;
  return true;
}

}  // namespace

kj::Promise<int> cmd_create(CommandContext& ctx) {
  auto type = ipc::schema::SeedType::SEGWIT;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    if (ctx.args[i] == "--seed-type" && i + 1 < ctx.args.size() &&
        parse_seed_type(ctx.args[i + 1], type) && type != ipc::schema::SeedType::BIP39) {
      ++i;
    } else {
      std::cerr << "redoubt: create: unexpected '" << ctx.args[i]
                << "' (usage: create [--seed-type segwit|standard])\n";
      return kExitUsage;
    }
  }
  auto password = kj::heap<Secret>();
  if (!read_new_password(ctx, *password)) return kExitUsage;
  // keyd seals the new phrase to this one-off key; only this process can
  // open it.
  auto phrase_key = kj::heap<ipc::sealed::KeyPair>(ipc::sealed::KeyPair::generate());
  return seal_to_keyd(ctx)
      .then([&ctx, type, password = kj::mv(password), &key = *phrase_key](SealToKeyd seal) mutable {
        auto req = ctx.wallet.createRequest();
        req.setSealedPassword(as_blob(seal(*password, Purpose::kNewPassword)));
        req.setSeedType(type);
        req.setPhraseKey(kj::arrayPtr(key.public_key().data(), key.public_key().size()));
        return req.send();
      })
      .then([&ctx, &key = *phrase_key](auto&& r) {
        auto blob = r.getSealedPhrase();
        chain::SecureBytes opened = key.open(chain::ByteSpan(blob.begin(), blob.size()),
                                             Purpose::kNewPhrase, chain_network(ctx.network));
        Secret phrase{std::string(opened.view())};
        const char* msg =
            "Please keep your seed in a safe place; if you lose it, you will not be able to "
            "restore your wallet.";
        if (ctx.json) {
          Json j;
          j["seed"] = phrase.str();
          j["msg"] = msg;
          print_json(j);
        } else {
          std::cout << "Your new seed phrase (shown only this once):\n\n    " << phrase.str()
                    << "\n\n"
                    << msg << "\n";
        }
        return kExitOk;
      })
      .attach(kj::mv(phrase_key));
}

kj::Promise<int> cmd_restore(CommandContext& ctx) {
  auto type = ipc::schema::SeedType::SEGWIT;  // the broker/keyd detect the real type
  bool bip39 = false;
  std::string argv_phrase;
  Secret passphrase;
  bool phrase_on_argv = false, passphrase_on_argv = false, ask_passphrase = false;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const std::string& a = ctx.args[i];
    if (a == "--bip39") {
      bip39 = true;
    } else if (a == "--passphrase" && i + 1 < ctx.args.size()) {
      // "--passphrase -": asked for after the phrase, never on argv.
      if (ctx.args[++i] == "-") {
        ask_passphrase = true;
      } else {
        passphrase = Secret(ctx.args[i]);
        passphrase_on_argv = true;
      }
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "redoubt: restore: unknown option '" << a << "'\n";
      return kExitUsage;
    } else {
      argv_phrase += (argv_phrase.empty() ? "" : " ") + a;
      phrase_on_argv = true;
    }
  }
  if (phrase_on_argv || passphrase_on_argv) {
    // Accepted for Electrum-NMC compatibility, but argv is world-readable.
    std::cerr << "redoubt: warning: a seed phrase or passphrase given on the command line can be "
                 "read by other local users (ps, /proc); type it at the prompt instead\n";
  }
  auto phrase = kj::heap<Secret>(phrase_on_argv ? Secret(std::move(argv_phrase))
                                                : read_secret("Seed phrase: "));
  if (ask_passphrase) passphrase = read_secret("Seed passphrase: ");
  if (bip39) type = ipc::schema::SeedType::BIP39;
  auto password = kj::heap<Secret>();
  if (!read_new_password(ctx, *password)) return kExitUsage;
  auto pass = kj::heap<Secret>(std::move(passphrase));
  return seal_to_keyd(ctx)
      .then([&ctx, type, phrase = kj::mv(phrase), passphrase = kj::mv(pass),
             password = kj::mv(password)](SealToKeyd seal) mutable {
        auto req = ctx.wallet.restoreRequest();
        req.setSealedPhrase(as_blob(seal(*phrase, Purpose::kPhrase)));
        req.setSealedPassphrase(as_blob(seal(*passphrase, Purpose::kPassphrase)));
        req.setSeedType(type);
        req.setSealedPassword(as_blob(seal(*password, Purpose::kNewPassword)));
        return req.send();
      })
      .then([&ctx](auto&&) {
        if (ctx.json) {
          Json j;
          j["msg"] = "wallet restored";
          print_json(j);
        } else {
          std::cout << "Wallet restored. Run 'redoubt getbalance' once it has synchronised.\n";
        }
        return kExitOk;
      });
}

kj::Promise<int> cmd_password(CommandContext& ctx) {
  if (!ctx.args.empty()) {
    std::cerr << "redoubt: password takes no arguments (it asks)\n";
    return kExitUsage;
  }
  auto old_pw = kj::heap<Secret>(read_secret("Current password: "));
  auto new_pw = kj::heap<Secret>();
  if (!read_new_password(ctx, *new_pw)) return kExitUsage;
  return seal_to_keyd(ctx)
      .then([&ctx, old_pw = kj::mv(old_pw), new_pw = kj::mv(new_pw)](SealToKeyd seal) mutable {
        auto req = ctx.wallet.changePasswordRequest();
        req.setSealedOldPassword(as_blob(seal(*old_pw, Purpose::kPassword)));
        req.setSealedNewPassword(as_blob(seal(*new_pw, Purpose::kNewPassword)));
        return req.send();
      })
      .then([&ctx](auto&&) {
        if (ctx.json) {
          Json j;
          j["password"] = "changed";
          print_json(j);
        } else {
          std::cout << "Password changed.\n";
        }
        return kExitOk;
      });
}

}  // namespace redoubt::ui
