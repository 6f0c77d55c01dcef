// Keystore commands: create, restore, password. Secrets are read here and
// passed to keyd through the broker; none is printed except the new seed
// phrase, once, by `create`.
#include <iostream>

#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"
#include "ui/password.h"

namespace redoubt::ui {
namespace {

capnp::Data::Reader as_data(const Secret& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.str().data()), s.str().size());
}

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
  auto req = ctx.wallet.createRequest();
  req.setPassword(as_data(*password));
  req.setSeedType(type);
  return req.send()
      .then([&ctx](auto&& r) {
        std::string phrase = r.getPhrase();
        const char* msg =
            "Please keep your seed in a safe place; if you lose it, you will not be able to "
            "restore your wallet.";
        if (ctx.json) {
          Json j;
          j["seed"] = phrase;
          j["msg"] = msg;
          print_json(j);
        } else {
          std::cout << "Your new seed phrase (shown only this once):\n\n    " << phrase << "\n\n"
                    << msg << "\n";
        }
        return kExitOk;
      })
      .attach(kj::mv(password));
}

kj::Promise<int> cmd_restore(CommandContext& ctx) {
  auto type = ipc::schema::SeedType::SEGWIT;  // the broker/keyd detect the real type
  bool bip39 = false;
  std::string argv_phrase;
  Secret passphrase;
  bool phrase_on_argv = false, passphrase_on_argv = false;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const std::string& a = ctx.args[i];
    if (a == "--bip39") {
      bip39 = true;
    } else if (a == "--passphrase" && i + 1 < ctx.args.size()) {
      passphrase = Secret(ctx.args[++i]);
      passphrase_on_argv = true;
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
  Secret phrase = phrase_on_argv ? Secret(std::move(argv_phrase)) : read_secret("Seed phrase: ");
  if (bip39) type = ipc::schema::SeedType::BIP39;
  auto password = kj::heap<Secret>();
  if (!read_new_password(ctx, *password)) return kExitUsage;
  auto req = ctx.wallet.restoreRequest();
  req.setPhrase(phrase.str());
  req.setSeedPassphrase(as_data(passphrase));
  req.setSeedType(type);
  req.setPassword(as_data(*password));
  return req.send()
      .then([&ctx](auto&&) {
        if (ctx.json) {
          Json j;
          j["msg"] = "wallet restored";
          print_json(j);
        } else {
          std::cout << "Wallet restored. Run 'redoubt getbalance' once it has synchronised.\n";
        }
        return kExitOk;
      })
      .attach(kj::mv(password));
}

kj::Promise<int> cmd_password(CommandContext& ctx) {
  if (!ctx.args.empty()) {
    std::cerr << "redoubt: password takes no arguments (it asks)\n";
    return kExitUsage;
  }
  auto old_pw = kj::heap<Secret>(read_secret("Current password: "));
  auto new_pw = kj::heap<Secret>();
  if (!read_new_password(ctx, *new_pw)) return kExitUsage;
  auto req = ctx.wallet.changePasswordRequest();
  req.setOldPassword(as_data(*old_pw));
  req.setNewPassword(as_data(*new_pw));
  return req.send()
      .then([&ctx](auto&&) {
        if (ctx.json) {
          Json j;
          j["password"] = "changed";
          print_json(j);
        } else {
          std::cout << "Password changed.\n";
        }
        return kExitOk;
      })
      .attach(kj::mv(old_pw), kj::mv(new_pw));
}

}  // namespace redoubt::ui
