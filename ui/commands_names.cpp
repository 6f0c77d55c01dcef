// Name commands, named as in Electrum-NMC, with Namecoin Core's JSON fields.
#include <iostream>

#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"
#include "ui/password.h"
#include "ui/sealing.h"

namespace redoubt::ui {
namespace {

// ascii: printable ASCII only; utf8: any valid text (bytes as given); hex.
bool decode(const std::string& text, const std::string& encoding, std::string& out) {
  if (encoding == "hex") {
    if (text.size() % 2 != 0) return false;
    out.clear();
    for (size_t i = 0; i < text.size(); i += 2) {
      auto nib = [](char c) {
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
      };
      int h = nib(text[i]), l = nib(text[i + 1]);
      if (h < 0 || l < 0) return false;
      out.push_back(static_cast<char>(h * 16 + l));
    }
    return true;
  }
  if (encoding == "ascii") {
    for (char c : text)
      if (c < 0x20 || c > 0x7e) return false;
  } else if (encoding != "utf8") {
    return false;
  }
  out = text;
  return true;
}

std::string encode(capnp::Data::Reader d, const std::string& encoding) {
  if (encoding == "hex") return hex(d.begin(), d.size());
  return printable(d.begin(), d.size());
}

capnp::Data::Reader as_data(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

struct NameArgs {
  std::string name, value, destination, identifier, name_enc = "utf8", value_enc = "utf8";
  bool has_value = false, allow_existing = false;
  int64_t fee_rate = 0;
};

// Parses NAME [VALUE] and the common options. Returns false on a usage error.
bool parse_name_args(CommandContext& ctx, NameArgs& a, bool takes_value) {
  std::string fee;
  take_option(ctx.args, "--name-encoding", a.name_enc);
  take_option(ctx.args, "--value-encoding", a.value_enc);
  take_option(ctx.args, "--destination", a.destination);
  take_option(ctx.args, "--pseudonymous-identifier", a.identifier);
  take_option(ctx.args, "--fee-rate", fee);
  a.allow_existing = take_flag(ctx.args, "--allow-existing");
  if (!fee.empty()) {
    try {
      a.fee_rate = std::stoll(fee);
    } catch (const std::exception&) {
      return false;
    }
  }
  if (ctx.args.empty() || ctx.args.size() > (takes_value ? 2u : 1u)) return false;
  if (!decode(ctx.args[0], a.name_enc, a.name)) return false;
  if (ctx.args.size() == 2) {
    a.has_value = true;
    if (!decode(ctx.args[1], a.value_enc, a.value)) return false;
  }
  return true;
}

void fill_options(ipc::schema::NameOptions::Builder o, const NameArgs& a,
                  const chain::Bytes& sealed_password) {
  o.setDestination(a.destination);
  o.setAllowExisting(a.allow_existing);
  o.setPseudonymousIdentifier(a.identifier);
  o.setFeeRate(a.fee_rate);
  o.setSealedPassword(as_blob(sealed_password));
}

Json name_json(ipc::schema::NameInfo::Reader n, const std::string& name_enc,
               const std::string& value_enc) {
  Json j;
  j["name"] = encode(n.getName(), name_enc);
  j["name_encoding"] = name_enc;
  j["value"] = encode(n.getValue(), value_enc);
  j["value_encoding"] = value_enc;
  j["txid"] = n.getTxid().cStr();
  j["vout"] = n.getVout();
  j["address"] = n.getAddress().cStr();
  j["height"] = n.getHeight();
  j["expires_in"] = n.getExpiresIn();
  j["expired"] = n.getExpired();
  j["ismine"] = n.getIsMine();
  j["verified"] = n.getVerified();
  if (n.getPending().size() > 0) j["pending"] = n.getPending().cStr();
  return j;
}

}  // namespace

void print_send_result(CommandContext& ctx, ipc::schema::SendResult::Reader r);

#define REDOUBT_NAME_OP(FN, USAGE, TAKES_VALUE, METHOD, SET_VALUE)                        \
  kj::Promise<int> FN(CommandContext& ctx) {                                              \
    NameArgs a;                                                                           \
    if (!parse_name_args(ctx, a, TAKES_VALUE)) return usage(USAGE);                       \
    auto pw = kj::heap<Secret>(read_secret("Password: "));                                \
    return seal_to_keyd(ctx)                                                              \
        .then([&ctx, a = std::move(a), pw = kj::mv(pw)](SealToKeyd seal) mutable {        \
          auto req = ctx.wallet.METHOD##Request();                                        \
          req.setName(as_data(a.name));                                                   \
          SET_VALUE;                                                                      \
          fill_options(req.initOptions(), a, seal(*pw, ipc::sealed::Purpose::kPassword)); \
          return req.send();                                                              \
        })                                                                                \
        .then([&ctx](auto&& r) {                                                          \
          print_send_result(ctx, r.getResult());                                          \
          return kExitOk;                                                                 \
        });                                                                               \
  }

REDOUBT_NAME_OP(cmd_name_new, "name_new NAME [--allow-existing] [--name-encoding E]", false,
                nameNew, (void)0)
REDOUBT_NAME_OP(cmd_name_firstupdate, "name_firstupdate NAME [VALUE] [encodings]", true,
                nameFirstUpdate, req.setValue(as_data(a.value)))
REDOUBT_NAME_OP(cmd_name_autoregister, "name_autoregister NAME [VALUE] [encodings]", true,
                nameAutoRegister, req.setValue(as_data(a.value)))
REDOUBT_NAME_OP(cmd_name_update, "name_update NAME [VALUE] [--destination ADDR] [encodings]", true,
                nameUpdate, req.setValue(as_data(a.value));
                req.setHasValue(a.has_value))
#undef REDOUBT_NAME_OP

kj::Promise<int> cmd_name_show(CommandContext& ctx) {
  NameArgs a;
  std::string stream;
  take_option(ctx.args, "--stream-id", stream);
  if (!parse_name_args(ctx, a, false)) return usage("name_show NAME [--stream-id ID] [encodings]");
  auto req = ctx.wallet.nameShowRequest();
  req.setName(as_data(a.name));
  req.setStreamId(stream);
  return req.send().then([&ctx, a](auto&& r) {
    Json j = name_json(r.getInfo(), a.name_enc, a.value_enc);
    if (ctx.json) {
      print_json(j);
    } else {
      for (auto it = j.begin(); it != j.end(); ++it) {
        const Json& v = it.value();
        std::cout << it.key() << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
      }
    }
    return kExitOk;
  });
}

kj::Promise<int> cmd_name_list(CommandContext& ctx) {
  std::string name_enc = "utf8", value_enc = "utf8";
  take_option(ctx.args, "--name-encoding", name_enc);
  take_option(ctx.args, "--value-encoding", value_enc);
  if (!ctx.args.empty()) return usage("name_list [encodings]");
  return ctx.wallet.nameListRequest().send().then([&ctx, name_enc, value_enc](auto&& r) {
    Json list = Json::array();
    std::vector<std::vector<std::string>> rows;
    for (auto n : r.getNames()) {
      list.push_back(name_json(n, name_enc, value_enc));
      std::string note = n.getExpired()            ? "EXPIRED"
                         : n.getExpiresIn() < 2000 ? "expires soon: renew with name_update"
                                                   : "";
      if (n.getPending().size() > 0) note = n.getPending().cStr();
      rows.push_back({encode(n.getName(), name_enc), encode(n.getValue(), value_enc),
                      std::to_string(n.getExpiresIn()), note});
    }
    if (ctx.json) {
      print_json(list);
    } else {
      std::cout << render_table({"NAME", "VALUE", "EXPIRES IN", ""}, rows);
    }
    return kExitOk;
  });
}

kj::Promise<int> cmd_listaddressgroupings(CommandContext& ctx) {
  std::string identifier;
  take_option(ctx.args, "--identifier", identifier);
  bool collapse = take_flag(ctx.args, "--collapse");
  if (!ctx.args.empty()) return usage("listaddressgroupings [--identifier NAME] [--collapse]");
  auto req = ctx.wallet.listAddressGroupingsRequest();
  req.setIdentifier(as_data(identifier));
  req.setCollapse(collapse);
  return req.send().then([&ctx](auto&& r) {
    Json groups = Json::array();
    for (auto g : r.getGroups()) {
      Json entries = Json::array();
      for (auto a : g.getAddresses()) {
        entries.push_back(Json::array({a.getAddress().cStr(), format_amount_json(a.getBalance())}));
      }
      for (auto n : g.getNames()) {
        entries.push_back(Json::array({"name", printable(n.begin(), n.size())}));
      }
      groups.push_back(entries);
    }
    if (ctx.json) {
      print_json(groups);
      return kExitOk;
    }
    // One block per group: what the chain links together, its balance, and
    // the names it holds (spending from two groups together would link them).
    std::vector<std::vector<std::string>> rows;
    unsigned n = 0;
    for (auto g : r.getGroups()) {
      ++n;
      std::string names;
      for (auto nm : g.getNames())
        names += (names.empty() ? "" : ", ") + printable(nm.begin(), nm.size());
      bool first = true;
      for (auto a : g.getAddresses()) {
        rows.push_back({first ? std::to_string(n) : "", a.getAddress().cStr(),
                        format_amount(a.getBalance()), first ? format_amount(g.getBalance()) : "",
                        first ? names : ""});
        first = false;
      }
      if (first) rows.push_back({std::to_string(n), "", "", format_amount(g.getBalance()), names});
    }
    std::cout << render_table({"GROUP", "ADDRESS", "AMOUNT", "GROUP TOTAL", "NAMES"}, rows);
    return kExitOk;
  });
}

}  // namespace redoubt::ui
