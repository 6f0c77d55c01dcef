#include "ui/commands.h"

#include <cstdio>
#include <iostream>
#include <map>

#include "ipc/errors.h"
#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"

namespace redoubt::ui {
namespace {

const char* network_name(ipc::schema::NetworkId n) {
  switch (n) {
    case ipc::schema::NetworkId::MAINNET:
      return "mainnet";
    case ipc::schema::NetworkId::TESTNET:
      return "testnet";
    case ipc::schema::NetworkId::REGTEST:
      return "regtest";
  }
  return "?";
}

Json info_json(ipc::schema::TreeInfo::Reader info) {
  Json j;
  j["version"] = info.getVersion().cStr();
  j["network"] = network_name(info.getNetwork());
  j["datadir"] = info.getDatadir().cStr();
  j["wallet"] = info.getWalletState().cStr();
  j["proxy"] = info.getProxy().cStr();
  j["server"] = info.getServer().cStr();
  j["sync_height"] = info.getSyncHeight();
  j["server_height"] = info.getServerHeight();
  {
    auto c = info.getCrosscheck();
    Json cc;
    cc["status"] = c.getStatus().size() > 0 ? c.getStatus().cStr() : "off";
    if (c.getServer().size() > 0) {
      cc["server"] = c.getServer().cStr();
      cc["height"] = c.getHeight();
      cc["server_height"] = c.getServerHeight();
      if (c.getForkHeight() >= 0) cc["fork_height"] = c.getForkHeight();
      cc["checked_at"] = c.getCheckedAt();
      cc["this_run"] = c.getThisRun();
      cc["detail"] = c.getDetail().cStr();
    }
    j["crosscheck"] = cc;
  }
  Json procs = Json::array();
  for (auto p : info.getProcesses()) {
    Json e;
    e["role"] = p.getRole().cStr();
    e["pid"] = p.getPid();
    e["answered"] = p.getAnswered();
    e["restarts"] = p.getRestarts();
    auto c = p.getInfo().getConfinement();
    e["seccomp"] = c.getSeccompApplied();
    e["landlock"] = c.getLandlockApplied().cStr();
    e["apparmor"] = c.getApparmorLabel().cStr();
    procs.push_back(e);
  }
  j["processes"] = procs;
  return j;
}

void print_info(ipc::schema::TreeInfo::Reader info, bool json, bool one_line = false) {
  if (json) {
    if (one_line) {
      std::cout << info_json(info).dump() << std::endl;
    } else {
      print_json(info_json(info));
    }
    return;
  }
  std::cout << "Redoubt " << info.getVersion().cStr() << " on " << network_name(info.getNetwork())
            << ", data in " << info.getDatadir().cStr() << "\n"
            << "wallet: " << info.getWalletState().cStr() << "\n";
  if (info.getProxy().size() > 0) std::cout << "proxy:  " << info.getProxy().cStr() << "\n";
  if (auto c = info.getCrosscheck(); c.getServer().size() > 0) {
    std::cout << "cross-check: " << c.getServer().cStr() << ": " << c.getStatus().cStr();
    if (c.getCheckedAt() > 0)
      std::cout << " at height " << c.getHeight() << " (" << c.getDetail().cStr()
                << (c.getThisRun() ? "" : "; an earlier run") << ")";
    std::cout << "\n";
  }
  std::vector<std::vector<std::string>> rows;
  for (auto p : info.getProcesses()) {
    auto c = p.getInfo().getConfinement();
    rows.push_back({p.getRole().cStr(), p.getPid() > 0 ? std::to_string(p.getPid()) : "-",
                    p.getAnswered() ? "yes" : "no", std::to_string(p.getRestarts()),
                    c.getSeccompApplied() ? c.getSeccompPolicy().cStr() : "-",
                    c.getLandlockApplied().size() > 0 ? c.getLandlockApplied().cStr() : "-"});
  }
  std::cout << render_table({"PROCESS", "PID", "ANSWERED", "RESTARTS", "SECCOMP", "LANDLOCK"},
                            rows);
  std::cout.flush();
}

kj::Promise<int> cmd_getinfo(CommandContext& ctx) {
  return ctx.wallet.getInfoRequest().send().then([&ctx](auto&& r) {
    print_info(r.getInfo(), ctx.json);
    return kExitOk;
  });
}

// `watch [SECONDS] [--count N]`: getinfo every SECONDS until interrupted (or N times).
kj::Promise<int> watch_loop(CommandContext& ctx, kj::Duration every, long remaining) {
  return ctx.wallet.getInfoRequest().send().then([&ctx, every, remaining](auto&& r) {
    // One JSON document per line, so scripts can follow the stream.
    print_info(r.getInfo(), ctx.json, /*one_line=*/true);
    if (remaining == 1) return kj::Promise<int>(kExitOk);
    return ctx.timer.afterDelay(every).then([&ctx, every, remaining] {
      return watch_loop(ctx, every, remaining > 0 ? remaining - 1 : 0);
    });
  });
}

kj::Promise<int> cmd_watch(CommandContext& ctx) {
  double seconds = 1;
  long count = 0;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const std::string& a = ctx.args[i];
    try {
      if (a == "--count" && i + 1 < ctx.args.size()) {
        count = std::stol(ctx.args[++i]);
      } else {
        seconds = std::stod(a);
      }
    } catch (const std::exception&) {
      std::cerr << "redoubt: watch: '" << a << "' is not a number\n";
      return kExitUsage;
    }
  }
  if (!(seconds >= 0.05 && seconds <= 86400) || count < 0) {
    std::cerr << "redoubt: watch: SECONDS must be between 0.05 and 86400\n";
    return kExitUsage;
  }
  return watch_loop(ctx, static_cast<int64_t>(seconds * 1000) * kj::MILLISECONDS, count);
}

kj::Promise<int> cmd_help(CommandContext& ctx) {
  if (!ctx.args.empty()) {
    if (const Command* c = find_command(ctx.args[0])) {
      std::cout << "usage: redoubt [GLOBAL OPTIONS] " << c->usage << "\n\n" << c->summary << "\n";
      return kExitOk;
    }
    std::cerr << "redoubt: no command '" << ctx.args[0] << "'\n";
    return kExitUsage;
  }
  std::cout << "usage: redoubt [--datadir DIR] [--network mainnet|testnet|regtest] [--json]\n"
               "               [--proxy unix:PATH|socks5:HOST:PORT|none] [--server HOST:PORT:s|t]\n"
               "               [--crosscheck-server HOST:PORT:s|t|none]\n"
               "               [--password-fd N] COMMAND [ARGS]\n"
               "       redoubt daemon | stop   (commands then run through the daemon)\n";
  std::map<std::string, std::vector<const Command*>> groups;
  std::vector<std::string> order;
  for (const auto& c : commands()) {
    if (groups[c.group].empty()) order.push_back(c.group);
    groups[c.group].push_back(&c);
  }
  for (const auto& g : order) {
    std::cout << "\n" << g << ":\n";
    for (const Command* c : groups[g]) {
      std::string u = c->usage;
      u.resize(std::max<size_t>(u.size(), 30), ' ');
      std::cout << "  " << u << "  " << c->summary << "\n";
    }
  }
  std::cout << "\n'redoubt COMMAND --help' shows one command.\n";
  return kExitOk;
}

// The broker runs `daemon` itself; only `daemon --help` reaches the ui.
kj::Promise<int> cmd_daemon(CommandContext&) {
  std::cerr << "redoubt: daemon is run by the broker ('redoubt daemon'), not inside a command\n";
  return kExitUsage;
}

int exit_code_for(ipc::ErrorCode code) {
  using ipc::ErrorCode;
  switch (code) {
    case ErrorCode::kUsage:
      return kExitUsage;
    case ErrorCode::kLocked:
      return kExitLocked;
    case ErrorCode::kNoWallet:
      return kExitNoWallet;
    case ErrorCode::kBadPassword:
      return kExitBadPassword;
    case ErrorCode::kCorrupt:
      return kExitCorrupt;
    case ErrorCode::kInsufficientFunds:
      return kExitInsufficientFunds;
    case ErrorCode::kNetwork:
      return kExitNetwork;
    case ErrorCode::kVerification:
      return kExitVerification;
    case ErrorCode::kRefused:
      return kExitRefused;
    case ErrorCode::kNotImplemented:
      return kExitNotImplemented;
    case ErrorCode::kConfinement:
      return kExitConfinement;
    case ErrorCode::kInternal:
      return kExitInternal;
  }
  return kExitError;
}

}  // namespace

bool take_flag(std::vector<std::string>& args, const std::string& flag) {
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (*it == flag) {
      args.erase(it);
      return true;
    }
  }
  return false;
}

bool take_option(std::vector<std::string>& args, const std::string& name, std::string& value) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == name) {
      value = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return true;
    }
  }
  return false;
}

int usage(const char* text) {
  std::cerr << "redoubt: usage: " << text << "\n";
  return kExitUsage;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"help", "General", "help [COMMAND]", "List the commands, or describe one.", true, cmd_help},
      {"getinfo", "General", "getinfo",
       "Show the process tree: each process, its pid, whether it answered, its confinement.", true,
       cmd_getinfo},
      {"watch", "General", "watch [SECONDS] [--count N]",
       "Show getinfo every SECONDS (default 1) until interrupted, or N times.", true, cmd_watch},
      {"create", "Wallet", "create [--seed-type segwit|standard]",
       "Create a new wallet: keyd makes a seed, encrypts it with your password, and shows the "
       "phrase once.",
       false, cmd_create},
      {"restore", "Wallet", "restore [--bip39] [--passphrase -|P] [PHRASE]",
       "Restore a wallet from an Electrum or BIP39 seed phrase (asked for when not given; "
       "'--passphrase -' asks for the passphrase too).",
       false, cmd_restore},
      {"password", "Wallet", "password", "Change the keystore password (re-encrypts atomically).",
       false, cmd_password},
      {"getbalance", "Wallet", "getbalance",
       "Confirmed (merkle-verified), unconfirmed, frozen and name-locked balance.", true,
       cmd_getbalance},
      {"getunusedaddress", "Wallet", "getunusedaddress", "A receiving address not used yet.", true,
       cmd_getunusedaddress},
      {"listaddresses", "Wallet", "listaddresses [--receiving] [--change] [--funded] [--unused]",
       "The wallet's addresses.", true, cmd_listaddresses},
      {"history", "Wallet", "history [--limit N] [--offset N] [--newest-first]",
       "Transactions with running balance and verification (oldest first; N from OFFSET).", true,
       cmd_history},
      {"listunspent", "Wallet", "listunspent", "The wallet's coins.", true, cmd_listunspent},
      {"freeze", "Coin control", "freeze ADDRESS|TXID:VOUT",
       "Never spend this address or coin until unfrozen.", false, cmd_freeze},
      {"unfreeze", "Coin control", "unfreeze ADDRESS|TXID:VOUT", "Undo freeze.", false,
       cmd_unfreeze},
      {"payto", "Sending", "payto ADDRESS AMOUNT|! [--fee-rate R] [--from-coin C] [--from-addr A]",
       "Pay: build, have keyd sign (its summary is shown), broadcast on an isolated stream.", false,
       cmd_payto},
      {"paytomany", "Sending", "paytomany ADDRESS:AMOUNT... [options as payto]",
       "Pay several addresses in one transaction.", false, cmd_paytomany},
      {"signtransaction", "Sending", "signtransaction TXHEX",
       "Have keyd sign an unsigned transaction (from payto --unsigned) spending this wallet's "
       "coins; not broadcast.",
       false, cmd_signtransaction},
      {"bumpfee", "Sending", "bumpfee TXID --fee-rate R",
       "Replace an unconfirmed payment of this wallet by one paying R sat/kvB (BIP125): the "
       "change pays first, confirmed coins are added if needed.",
       false, cmd_bumpfee},
      {"deserialize", "Sending", "deserialize TXHEX", "Decode a transaction (name operations too).",
       true, cmd_deserialize},
      {"validateaddress", "Wallet", "validateaddress ADDRESS",
       "Whether ADDRESS is valid on this network.", true, cmd_validateaddress},
      {"broadcast", "Sending", "broadcast TXHEX [--stream-id ID]",
       "Broadcast a signed transaction.", false, cmd_broadcast},
      {"name_new", "Names", "name_new NAME [--allow-existing]",
       "Pre-register a name (salt derived from your seed).", false, cmd_name_new},
      {"name_firstupdate", "Names", "name_firstupdate NAME [VALUE]",
       "Register a pre-registered name once its name_new has 12 confirmations.", false,
       cmd_name_firstupdate},
      {"name_autoregister", "Names", "name_autoregister NAME [VALUE]",
       "name_new now; the broker broadcasts name_firstupdate after 12 blocks, across restarts.",
       false, cmd_name_autoregister},
      {"name_update", "Names", "name_update NAME [VALUE] [--destination ADDR]",
       "Change a name's value, renew it, or transfer it.", false, cmd_name_update},
      {"name_show", "Names", "name_show NAME [--stream-id ID]",
       "Look a name up on its own Tor stream and verify it against our headers.", true,
       cmd_name_show},
      {"name_list", "Names", "name_list", "The wallet's names, with expiry warnings.", true,
       cmd_name_list},
      {"listaddressgroupings", "Names", "listaddressgroupings [--identifier NAME] [--collapse]",
       "Addresses and names grouped by what the chain links.", true, cmd_listaddressgroupings},
      {"audit", "Confinement", "audit",
       "Each process's confinement as the kernel reports it, against its policy.", true, cmd_audit},
      {"getconfig", "General", "getconfig KEY|--all",
       "A setting's effective value; --all lists every setting with where it came from.", true,
       cmd_getconfig},
      {"setconfig", "General", "setconfig KEY VALUE",
       "Save a setting in your redoubt.conf (atomically); used from the next start.", false,
       cmd_setconfig},
      {"stop", "General", "stop", "Stop the daemon.", false, cmd_stop},
      {"signmessage", "Wallet", "signmessage ADDRESS MESSAGE",
       "Sign a message with the key of one of your addresses (Namecoin message format).", false,
       cmd_signmessage},
      {"verifymessage", "Wallet", "verifymessage ADDRESS SIGNATURE MESSAGE",
       "Whether SIGNATURE is ADDRESS's signature of MESSAGE.", true, cmd_verifymessage},
      {"daemon", "General", "daemon",
       "Keep the tree running and synced; later commands run through it (a ui per command).", true,
       cmd_daemon},
  };
  return table;
}

const Command* find_command(const std::string& name) {
  for (const auto& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

kj::Promise<int> run_invocation(CommandContext& ctx, const std::string& name) {
  const Command* c = find_command(name);
  if (c == nullptr) {
    std::cerr << "redoubt: unknown command '" << name << "' (see 'redoubt help')\n";
    return kExitUsage;
  }
  for (const auto& a : ctx.args) {
    if (a == "--help" || a == "-h") {
      std::cout << "usage: redoubt [GLOBAL OPTIONS] " << c->usage << "\n\n" << c->summary << "\n";
      return kExitOk;
    }
  }
  if (ctx.attempt > 0 && !c->read_only) {
    std::cerr << "redoubt: the ui stopped unexpectedly while running '" << name
              << "'; not repeating it. Check 'redoubt history' before trying again.\n";
    return kExitError;
  }
  return kj::evalNow([&ctx, c] { return c->run(ctx); }).catch_([](kj::Exception&& e) -> int {
    ipc::RemoteError err = ipc::from_exception(e);
    std::cerr << "redoubt: " << err.what() << "\n";
    return exit_code_for(err.code());
  });
}

}  // namespace redoubt::ui
