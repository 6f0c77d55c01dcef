// getconfig / setconfig: the effective configuration (redoubt.conf(5)) with
// the layer each value came from, and persistent changes to the user's file.
#include <iostream>

#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"

namespace redoubt::ui {

// getconfig KEY | getconfig --all
kj::Promise<int> cmd_getconfig(CommandContext& ctx) {
  bool all = take_flag(ctx.args, "--all");
  if (all == (ctx.args.size() == 1) || ctx.args.size() > 1) return usage("getconfig KEY|--all");
  auto req = ctx.wallet.getConfigRequest();
  req.setKey(all ? "" : ctx.args[0]);
  return req.send().then([&ctx, all](auto&& r) {
    auto entries = r.getEntries();
    if (!all) {
      // Electrum-NMC prints the bare value of one key.
      auto e = entries[0];
      if (ctx.json) {
        print_json(Json(e.getValue().cStr()));
      } else {
        std::cout << e.getValue().cStr() << "\n";
      }
      return kExitOk;
    }
    if (ctx.json) {
      Json j = Json::object();
      for (auto e : entries)
        j[e.getKey().cStr()] = {{"value", e.getValue().cStr()}, {"source", e.getSource().cStr()}};
      print_json(j);
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto e : entries)
      rows.push_back({e.getKey().cStr(), e.getValue().cStr(), e.getSource().cStr()});
    std::cout << render_table({"KEY", "VALUE", "SOURCE"}, rows);
    return kExitOk;
  });
}

// setconfig KEY VALUE
kj::Promise<int> cmd_setconfig(CommandContext& ctx) {
  if (ctx.args.size() != 2) return usage("setconfig KEY VALUE");
  auto req = ctx.wallet.setConfigRequest();
  req.setKey(ctx.args[0]);
  req.setValue(ctx.args[1]);
  return req.send().then([&ctx](auto&&) {
    if (ctx.json) {
      print_json(Json(true));
    } else {
      std::cout << "saved; it takes effect the next time redoubt starts\n";
    }
    return kExitOk;
  });
}

}  // namespace redoubt::ui
