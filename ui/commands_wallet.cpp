// Wallet commands: balance, addresses, coins, payments (history is in
// commands_history.cpp). JSON shapes follow Electrum-NMC's commands of the
// same names.
#include <iostream>

#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"
#include "ui/password.h"
#include "ui/sealing.h"

namespace redoubt::ui {
namespace {

Json summary_json(ipc::schema::SignSummary::Reader s) {
  Json j;
  Json outs = Json::array();
  for (auto o : s.getForeignOutputs()) {
    outs.push_back({{"index", o.getIndex()},
                    {"value", format_amount_json(o.getValue())},
                    {"script", hex(o.getScriptPubKey().begin(), o.getScriptPubKey().size())}});
  }
  j["outputs"] = outs;
  j["fee"] = format_amount_json(s.getFee());
  j["change"] = format_amount_json(s.getChange());
  j["vsize"] = s.getVsize();
  Json names = Json::array();
  for (auto n : s.getNames()) {
    names.push_back({{"name", printable(n.getName().begin(), n.getName().size())},
                     {"op", n.getOperation().cStr()},
                     {"to_foreign", n.getToForeign()}});
  }
  if (!names.empty()) j["names"] = names;
  return j;
}

}  // namespace

void print_send_result(CommandContext& ctx, ipc::schema::SendResult::Reader r) {
  if (ctx.json) {
    Json j;
    j["txid"] = r.getTxid().cStr();
    j["hex"] = hex(r.getRaw().begin(), r.getRaw().size());
    j["broadcast"] = r.getBroadcast();
    j["summary"] = summary_json(r.getSummary());
    print_json(j);
    return;
  }
  auto s = r.getSummary();
  std::vector<std::vector<std::string>> rows;
  for (auto o : s.getForeignOutputs()) {
    rows.push_back({std::to_string(o.getIndex()), format_amount(o.getValue()),
                    hex(o.getScriptPubKey().begin(), o.getScriptPubKey().size())});
  }
  std::cout << "keyd signed, and summarises what leaves the wallet:\n"
            << render_table({"OUTPUT", "AMOUNT (NMC)", "SCRIPT"}, rows)
            << "fee:    " << format_amount(s.getFee()) << " NMC (" << s.getVsize() << " vbytes)\n"
            << "change: " << format_amount(s.getChange()) << " NMC\n";
  for (auto n : s.getNames()) {
    std::cout << "name:   " << n.getOperation().cStr() << " "
              << (n.getName().size() > 0 ? printable(n.getName().begin(), n.getName().size())
                                         : "(hidden until name_firstupdate)")
              << (n.getToForeign() ? " (transferred away)" : "") << "\n";
  }
  std::cout << (r.getBroadcast() ? "broadcast: " : "not broadcast: ") << r.getTxid().cStr() << "\n";
  if (!r.getBroadcast()) std::cout << hex(r.getRaw().begin(), r.getRaw().size()) << "\n";
}

kj::Promise<int> cmd_getbalance(CommandContext& ctx) {
  if (!ctx.args.empty()) return usage("getbalance");
  return ctx.wallet.getBalanceRequest().send().then([&ctx](auto&& r) {
    auto b = r.getBalance();
    if (ctx.json) {
      Json j;
      j["confirmed"] = format_amount_json(b.getConfirmed());
      if (b.getUnconfirmed() != 0) j["unconfirmed"] = format_amount_json(b.getUnconfirmed());
      if (b.getFrozen() != 0) j["frozen"] = format_amount_json(b.getFrozen());
      if (b.getLockedInNames() != 0) j["names"] = format_amount_json(b.getLockedInNames());
      print_json(j);
    } else {
      std::cout << render_table({"", "NMC"}, {{"confirmed", format_amount(b.getConfirmed())},
                                              {"unconfirmed", format_amount(b.getUnconfirmed())},
                                              {"frozen", format_amount(b.getFrozen())},
                                              {"in names", format_amount(b.getLockedInNames())}});
    }
    return kExitOk;
  });
}

kj::Promise<int> cmd_getunusedaddress(CommandContext& ctx) {
  if (!ctx.args.empty()) return usage("getunusedaddress");
  return ctx.wallet.getUnusedAddressRequest().send().then([&ctx](auto&& r) {
    if (ctx.json) {
      print_json(Json(r.getAddress().cStr()));
    } else {
      std::cout << r.getAddress().cStr() << "\n";
    }
    return kExitOk;
  });
}

kj::Promise<int> cmd_listaddresses(CommandContext& ctx) {
  auto req = ctx.wallet.listAddressesRequest();
  req.setReceiving(take_flag(ctx.args, "--receiving"));
  req.setChange(take_flag(ctx.args, "--change"));
  req.setFunded(take_flag(ctx.args, "--funded"));
  req.setUnused(take_flag(ctx.args, "--unused"));
  if (!ctx.args.empty())
    return usage("listaddresses [--receiving] [--change] [--funded] [--unused]");
  return req.send().then([&ctx](auto&& r) {
    if (ctx.json) {
      Json j = Json::array();
      for (auto a : r.getAddresses()) j.push_back(a.getAddress().cStr());
      print_json(j);
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto a : r.getAddresses()) {
      rows.push_back({a.getAddress().cStr(), a.getChange() ? "change" : "receive",
                      std::to_string(a.getIndex()), a.getUsed() ? "used" : "",
                      format_amount(a.getBalance()), a.getFrozen() ? "frozen" : ""});
    }
    std::cout << render_table({"ADDRESS", "KIND", "INDEX", "USED", "BALANCE", ""}, rows);
    return kExitOk;
  });
}

kj::Promise<int> cmd_listunspent(CommandContext& ctx) {
  if (!ctx.args.empty()) return usage("listunspent");
  return ctx.wallet.listUnspentRequest().send().then([&ctx](auto&& r) {
    if (ctx.json) {
      Json j = Json::array();
      for (auto c : r.getCoins()) {
        Json e{{"address", c.getAddress().cStr()},
               {"value", format_amount_json(c.getValue())},
               {"prevout_hash", c.getTxid().cStr()},
               {"prevout_n", c.getVout()},
               {"height", c.getHeight()},
               {"frozen", c.getFrozen()}};
        if (c.getName().size() > 0) e["name"] = printable(c.getName().begin(), c.getName().size());
        j.push_back(e);
      }
      print_json(j);
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto c : r.getCoins()) {
      rows.push_back({std::string(c.getTxid().cStr()) + ":" + std::to_string(c.getVout()),
                      c.getAddress().cStr(), format_amount(c.getValue()),
                      std::to_string(c.getHeight()), c.getFrozen() ? "frozen" : "",
                      printable(c.getName().begin(), c.getName().size())});
    }
    std::cout << render_table({"COIN", "ADDRESS", "AMOUNT", "HEIGHT", "", "NAME"}, rows);
    return kExitOk;
  });
}

kj::Promise<int> freeze_impl(CommandContext& ctx, bool frozen) {
  if (ctx.args.size() != 1)
    return usage(frozen ? "freeze ADDRESS|TXID:VOUT" : "unfreeze ADDRESS|TXID:VOUT");
  auto req = ctx.wallet.freezeRequest();
  req.setTarget(ctx.args[0]);
  req.setFrozen(frozen);
  return req.send().then([&ctx](auto&&) {
    if (ctx.json) print_json(Json(true));
    return kExitOk;
  });
}

kj::Promise<int> cmd_freeze(CommandContext& ctx) {
  return freeze_impl(ctx, true);
}
kj::Promise<int> cmd_unfreeze(CommandContext& ctx) {
  return freeze_impl(ctx, false);
}

// payto ADDRESS AMOUNT | paytomany ADDR:AMOUNT... [--fee-rate SAT_PER_KVB] [--from-coin TXID:N]...
// [--from-addr A]... [--no-rbf] [--unsigned] [--no-broadcast] [--stream-id ID]
kj::Promise<int> pay_impl(CommandContext& ctx, bool many) {
  std::string fee_rate, stream, v;
  std::vector<std::string> coins, addrs;
  take_option(ctx.args, "--fee-rate", fee_rate);
  take_option(ctx.args, "--stream-id", stream);
  while (take_option(ctx.args, "--from-coin", v)) coins.push_back(v);
  while (take_option(ctx.args, "--from-addr", v)) addrs.push_back(v);
  bool no_rbf = take_flag(ctx.args, "--no-rbf");
  bool unsigned_only = take_flag(ctx.args, "--unsigned");
  bool no_broadcast = take_flag(ctx.args, "--no-broadcast");
  std::vector<std::pair<std::string, int64_t>> outs;
  auto add = [&](const std::string& dest, const std::string& amount) {
    int64_t sat = -1;
    if (amount != "!" && !parse_amount(amount, sat)) return false;
    outs.emplace_back(dest, sat);
    return true;
  };
  if (many) {
    for (const auto& a : ctx.args) {
      auto colon = a.rfind(':');
      if (colon == std::string::npos || !add(a.substr(0, colon), a.substr(colon + 1)))
        return usage("paytomany ADDRESS:AMOUNT... [options]");
    }
  } else if (ctx.args.size() != 2 || !add(ctx.args[0], ctx.args[1])) {
    return usage("payto ADDRESS AMOUNT|! [options]");
  }
  if (outs.empty()) return usage("paytomany ADDRESS:AMOUNT... [options]");
  int64_t rate = 0;
  if (!fee_rate.empty()) {
    try {
      rate = std::stoll(fee_rate);
    } catch (const std::exception&) {
      return usage("--fee-rate takes satoshi per 1000 vbytes");
    }
    if (rate <= 0) return usage("--fee-rate takes satoshi per 1000 vbytes");
  }
  auto password = kj::heap<Secret>();
  if (!unsigned_only) *password = read_secret("Password: ");
  auto fill = [&ctx, outs = std::move(outs), rate, coins = std::move(coins),
               addrs = std::move(addrs), no_rbf, unsigned_only, no_broadcast,
               stream](chain::Bytes sealed_password) {
    auto req = ctx.wallet.payToRequest();
    auto o = req.initOutputs(outs.size());
    for (size_t i = 0; i < outs.size(); ++i) {
      o[i].setDestination(outs[i].first);
      o[i].setAmount(outs[i].second);
    }
    auto opt = req.initOptions();
    opt.setFeeRate(rate);
    auto c = opt.initFromCoins(coins.size());
    for (size_t i = 0; i < coins.size(); ++i) c.set(i, coins[i]);
    auto a = opt.initFromAddresses(addrs.size());
    for (size_t i = 0; i < addrs.size(); ++i) a.set(i, addrs[i]);
    opt.setRbf(!no_rbf);
    opt.setUnsigned(unsigned_only);
    opt.setBroadcast(!no_broadcast && !unsigned_only);
    opt.setStreamId(stream);
    opt.setSealedPassword(as_blob(sealed_password));
    return req.send();
  };
  // The password goes to keyd sealed (ui/sealing.h); an unsigned
  // transaction needs none.
  kj::Promise<chain::Bytes> sealed = chain::Bytes{};
  if (!unsigned_only) {
    sealed = seal_to_keyd(ctx).then([password = kj::mv(password)](SealToKeyd seal) {
      return seal(*password, ipc::sealed::Purpose::kPassword);
    });
  }
  return sealed.then(kj::mv(fill)).then([&ctx](auto&& r) {
    print_send_result(ctx, r.getResult());
    return kExitOk;
  });
}

kj::Promise<int> cmd_payto(CommandContext& ctx) {
  return pay_impl(ctx, false);
}
kj::Promise<int> cmd_paytomany(CommandContext& ctx) {
  return pay_impl(ctx, true);
}

// bumpfee TXID --fee-rate SAT_PER_KVB: BIP125 replacement of our own
// unconfirmed transaction; prints what payto prints for the replacement.
kj::Promise<int> cmd_bumpfee(CommandContext& ctx) {
  std::string fee_rate;
  take_option(ctx.args, "--fee-rate", fee_rate);
  int64_t rate = 0;
  try {
    rate = fee_rate.empty() ? 0 : std::stoll(fee_rate);
  } catch (const std::exception&) {
    rate = 0;
  }
  if (ctx.args.size() != 1 || ctx.args[0].size() != 64 || rate <= 0)
    return usage("bumpfee TXID --fee-rate SAT_PER_KVB");
  auto password = kj::heap<Secret>(read_secret("Password: "));
  // The password goes to keyd sealed (ui/sealing.h), as for payto.
  return seal_to_keyd(ctx)
      .then([password = kj::mv(password)](SealToKeyd seal) {
        return seal(*password, ipc::sealed::Purpose::kPassword);
      })
      .then([&ctx, txid = ctx.args[0], rate](chain::Bytes sealed_password) {
        auto req = ctx.wallet.bumpFeeRequest();
        req.setTxid(txid);
        req.setFeeRate(rate);
        req.setSealedPassword(as_blob(sealed_password));
        return req.send();
      })
      .then([&ctx](auto&& r) {
        print_send_result(ctx, r.getResult());
        return kExitOk;
      });
}

kj::Promise<int> cmd_broadcast(CommandContext& ctx) {
  std::string stream;
  take_option(ctx.args, "--stream-id", stream);
  if (ctx.args.size() != 1 || ctx.args[0].size() % 2 != 0) return usage("broadcast TXHEX");
  std::vector<kj::byte> raw;
  for (size_t i = 0; i < ctx.args[0].size(); i += 2) {
    try {
      raw.push_back(static_cast<kj::byte>(std::stoul(ctx.args[0].substr(i, 2), nullptr, 16)));
    } catch (const std::exception&) {
      return usage("broadcast TXHEX");
    }
  }
  auto req = ctx.wallet.broadcastRequest();
  req.setRawTx(capnp::Data::Reader(raw.data(), raw.size()));
  req.setStreamId(stream);
  return req.send().then([&ctx](auto&& r) {
    if (ctx.json) {
      print_json(Json(r.getTxid().cStr()));
    } else {
      std::cout << r.getTxid().cStr() << "\n";
    }
    return kExitOk;
  });
}

kj::Promise<int> cmd_audit(CommandContext& ctx) {
  if (!ctx.args.empty()) return usage("audit");
  return ctx.wallet.auditRequest().send().then([&ctx](auto&& r) {
    // The broker renders both forms; the ui picks.
    std::string report = r.getReport();
    auto sep = report.find("\n\x1e");  // table, record separator, JSON
    std::string table = sep == std::string::npos ? report : report.substr(0, sep);
    std::string json = sep == std::string::npos ? "" : report.substr(sep + 2);
    std::cout << (ctx.json ? json : table);
    if (!report.empty() && report.back() != '\n') std::cout << "\n";
    return r.getOk() ? kExitOk : kExitConfinement;
  });
}

kj::Promise<int> cmd_stop(CommandContext& ctx) {
  return ctx.wallet.stopRequest().send().then([](auto&&) { return kExitOk; });
}

}  // namespace redoubt::ui
