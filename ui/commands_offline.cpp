// Offline commands: decode a transaction, validate an address (both local,
// no broker state involved), and sign an unsigned transaction through keyd.
#include <iostream>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/names.h"
#include "chain/params.h"
#include "chain/script.h"
#include "chain/tx.h"
#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"
#include "ui/password.h"
#include "ui/sealing.h"

namespace redoubt::ui {
namespace {

const chain::NetworkParams& params_of(const CommandContext& ctx) {
  switch (ctx.network) {
    case ipc::schema::NetworkId::MAINNET:
      return chain::mainnet_params();
    case ipc::schema::NetworkId::TESTNET:
      return chain::testnet_params();
    case ipc::schema::NetworkId::REGTEST:
      return chain::regtest_params();
  }
  return chain::mainnet_params();
}

}  // namespace

kj::Promise<int> cmd_deserialize(CommandContext& ctx) {
  if (ctx.args.size() != 1) {
    std::cerr << "redoubt: usage: deserialize TXHEX\n";
    return kExitUsage;
  }
  try {
    chain::Transaction tx = chain::parse_transaction(chain::from_hex(ctx.args[0]));
    const auto& p = params_of(ctx);
    Json j;
    j["txid"] = chain::to_hex_reversed(tx.txid());
    j["version"] = tx.version;
    j["locktime"] = tx.locktime;
    j["vsize"] = tx.vsize();
    Json ins = Json::array();
    for (const auto& in : tx.inputs) {
      ins.push_back({{"prevout_hash", chain::to_hex_reversed(in.prevout.txid)},
                     {"prevout_n", in.prevout.index},
                     {"nsequence", in.sequence}});
    }
    Json outs = Json::array();
    for (const auto& o : tx.outputs) {
      Json e{{"value_sats", o.value},
             {"scriptpubkey", chain::to_hex(o.script_pubkey)},
             {"address", chain::script_to_address(o.script_pubkey, p).value_or("")}};
      if (auto ns = chain::decode_name_script(o.script_pubkey)) {
        e["name_op"] = {{"op", chain::name_op_type_name(ns->op.type)},
                        {"name", printable(ns->op.name.data(), ns->op.name.size())},
                        {"value", printable(ns->op.value.data(), ns->op.value.size())}};
      }
      outs.push_back(e);
    }
    j["inputs"] = ins;
    j["outputs"] = outs;
    print_json(j);
    return kExitOk;
  } catch (const chain::ChainError& e) {
    std::cerr << "redoubt: not a transaction: " << e.what() << "\n";
    return kExitUsage;
  }
}

kj::Promise<int> cmd_validateaddress(CommandContext& ctx) {
  if (ctx.args.size() != 1) {
    std::cerr << "redoubt: usage: validateaddress ADDRESS\n";
    return kExitUsage;
  }
  bool valid = true;
  std::string script;
  try {
    script = chain::to_hex(chain::address_to_script(ctx.args[0], params_of(ctx)));
  } catch (const chain::ChainError&) {
    valid = false;
  }
  if (ctx.json) {
    print_json(Json(valid));
  } else {
    std::cout << (valid ? "valid: " + script : "not a valid address for this network") << "\n";
  }
  return kExitOk;
}

kj::Promise<int> cmd_signtransaction(CommandContext& ctx) {
  if (ctx.args.size() != 1) {
    std::cerr << "redoubt: usage: signtransaction TXHEX\n";
    return kExitUsage;
  }
  chain::Bytes raw;
  try {
    raw = chain::from_hex(ctx.args[0]);
  } catch (const chain::ChainError& e) {
    std::cerr << "redoubt: " << e.what() << "\n";
    return kExitUsage;
  }
  auto password = kj::heap<Secret>(read_secret("Password: "));
  return seal_to_keyd(ctx)
      .then([&ctx, raw = std::move(raw), password = kj::mv(password)](SealToKeyd seal) mutable {
        auto req = ctx.wallet.signTransactionRequest();
        req.setUnsignedTx(capnp::Data::Reader(raw.data(), raw.size()));
        req.setSealedPassword(as_blob(seal(*password, ipc::sealed::Purpose::kPassword)));
        return req.send();
      })
      .then([&ctx](auto&& r) {
        print_send_result(ctx, r.getResult());
        return kExitOk;
      });
}

}  // namespace redoubt::ui
