// redoubt-inspect tx / script / address / name-scripthash: decode transactions,
// scripts (with Namecoin name operations) and addresses offline.
#include <nlohmann/json.hpp>

#include "chain/address.h"
#include "chain/error.h"
#include "chain/names.h"
#include "chain/script.h"
#include "chain/tx.h"
#include "inspect/args.h"
#include "inspect/commands.h"

namespace redoubt::inspect {

int cmd_tx(int argc, char** argv) {
  return run_command("usage: redoubt-inspect tx HEX [--network mainnet|testnet|regtest]\n", [&] {
    Args a(argc, argv);
    if (a.positional.size() != 1) throw UsageError("expected one transaction in hex");
    const auto& p = network_option(a);
    chain::Transaction tx = chain::parse_transaction(chain::from_hex(a.positional[0]));
    Json j;
    j["txid"] = chain::to_hex_reversed(tx.txid());
    j["hash"] = chain::to_hex_reversed(tx.wtxid());
    j["version"] = tx.version;
    j["is_name_tx"] = tx.is_name_tx();
    j["size"] = tx.size();
    j["vsize"] = tx.vsize();
    j["weight"] = tx.weight();
    j["locktime"] = tx.locktime;
    Json vin = Json::array();
    for (const auto& in : tx.inputs) {
      Json i;
      i["txid"] = chain::to_hex_reversed(in.prevout.txid);
      i["vout"] = in.prevout.index;
      i["scriptSig"] = {{"hex", chain::to_hex(in.script_sig)},
                        {"asm", chain::script_to_asm(in.script_sig)}};
      if (!in.witness.empty()) {
        Json w = Json::array();
        for (const auto& item : in.witness) w.push_back(chain::to_hex(item));
        i["txinwitness"] = w;
      }
      i["sequence"] = in.sequence;
      vin.push_back(i);
    }
    j["vin"] = vin;
    Json vout = Json::array();
    for (size_t n = 0; n < tx.outputs.size(); ++n) {
      const auto& out = tx.outputs[n];
      vout.push_back({{"value", format_amount(out.value)},
                      {"value_sat", out.value},
                      {"n", n},
                      {"scriptPubKey", script_json(out.script_pubkey, p)}});
    }
    j["vout"] = vout;
    print_json(j);
    return 0;
  });
}

int cmd_script(int argc, char** argv) {
  return run_command("usage: redoubt-inspect script HEX [--network mainnet|testnet|regtest]\n",
                     [&] {
                       Args a(argc, argv);
                       if (a.positional.size() != 1) throw UsageError("expected one script in hex");
                       chain::Bytes script = chain::from_hex(a.positional[0]);
                       Json j = script_json(script, network_option(a));
                       std::vector<chain::ScriptOp> ops;
                       j["parses"] = chain::try_parse_script(script, ops);
                       j["electrum_scripthash"] = chain::electrum_script_hash(script);
                       print_json(j);
                       return 0;
                     });
}

int cmd_address(int argc, char** argv) {
  return run_command(
      "usage: redoubt-inspect address ADDR [--network mainnet|testnet|regtest]\n", [&] {
        Args a(argc, argv);
        if (a.positional.size() != 1) throw UsageError("expected one address");
        const std::string& addr = a.positional[0];
        std::vector<const chain::NetworkParams*> nets;
        if (a.has("network")) {
          nets.push_back(&network_option(a));
        } else {
          nets = {&chain::mainnet_params(), &chain::testnet_params(), &chain::regtest_params()};
        }
        std::string last_error;
        for (const auto* p : nets) {
          try {
            chain::AddressInfo info = chain::decode_address(addr, *p);
            Json j;
            j["address"] = addr;
            j["valid"] = true;
            j["network"] = p->name;
            j["type"] = chain::script_type_name(info.type);
            j["scriptPubKey"] = chain::to_hex(info.script_pubkey);
            j["electrum_scripthash"] = chain::electrum_script_hash(info.script_pubkey);
            print_json(j);
            return 0;
          } catch (const chain::ChainError& e) {
            last_error = e.what();
          }
        }
        throw chain::ChainError(last_error);
      });
}

int cmd_name_scripthash(int argc, char** argv) {
  return run_command("usage: redoubt-inspect name-scripthash NAME [--hex]\n", [&] {
    Args a(argc, argv, {"hex"});
    if (a.positional.size() != 1) throw UsageError("expected one name");
    chain::Bytes name = a.has("hex") ? chain::from_hex(a.positional[0])
                                     : chain::Bytes(a.positional[0].begin(), a.positional[0].end());
    chain::Bytes script = chain::name_index_script(name);
    Json j;
    j["name_hex"] = chain::to_hex(name);
    j["script"] = chain::to_hex(script);
    j["asm"] = chain::script_to_asm(script);
    j["scripthash"] = chain::electrum_script_hash(script);
    print_json(j);
    return 0;
  });
}

}  // namespace redoubt::inspect
