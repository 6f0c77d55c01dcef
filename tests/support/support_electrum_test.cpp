// The universe's Electrum server speaks the protocol as ElectrumX does, with
// the shapes namecoind + ElectrumX produced in the recorded regtest vectors,
// over TCP, TLS and through the SOCKS proxy; each misbehaviour mode is
// visible to a raw client.
#include <gtest/gtest.h>

#include <fstream>

#include "chain/hash.h"
#include "chain/header.h"
#include "chain/merkle.h"
#include "chain/names.h"
#include "chain/params.h"
#include "tests/support/auxpow_miner.h"
#include "tests/support/net.h"
#include "tests/support/universe_fixture.h"

namespace redoubt::testsupport {
namespace {

using chain::Bytes;
using nlohmann::json;

json vectors() {
  std::ifstream f(std::string(REDOUBT_TESTSUPPORT_DATA_DIR) + "/namecoind-regtest-names.json");
  return json::parse(f);
}

chain::Hash256 h256(const std::string& displayed) {
  return chain::hash_from_hex_reversed(displayed);
}

// Folds a merkle branch (displayed hex) from `leaf` at `pos` up to the root.
chain::Hash256 fold_branch(chain::Hash256 leaf, const json& branch, size_t pos) {
  for (const auto& b : branch) {
    chain::Hash256 sib = h256(b.get<std::string>());
    Bytes buf;
    if (pos & 1) {
      buf.insert(buf.end(), sib.begin(), sib.end());
      buf.insert(buf.end(), leaf.begin(), leaf.end());
    } else {
      buf.insert(buf.end(), leaf.begin(), leaf.end());
      buf.insert(buf.end(), sib.begin(), sib.end());
    }
    leaf = chain::sha256d(buf);
    pos >>= 1;
  }
  return leaf;
}

chain::Hash256 header_merkle_root(const Bytes& header) {
  chain::Hash256 r;
  std::copy(header.begin() + 36, header.begin() + 68, r.begin());
  return r;
}

class ElectrumTest : public UniverseFixture {
 protected:
  JsonClient negotiated(const char* version = "1.4.3") {
    JsonClient c = electrum_tcp();
    json r = c.result("server.version", {"test", version});
    EXPECT_EQ(r[1], version);
    return c;
  }
};

TEST_F(ElectrumTest, VersionNegotiationAndFeaturesHaveElectrumXShapes) {
  JsonClient c = electrum_tcp();
  EXPECT_EQ(c.result("server.version", {"test", json::array({"1.4", "1.4.3"})}),
            json::array({"ElectrumX 1.16.0", "1.4.3"}));
  json again = c.call("server.version", {"test", "1.4"});
  EXPECT_EQ(again["error"]["code"], 1);
  EXPECT_EQ(again["error"]["message"], "server.version already sent");

  json features = c.result("server.features");
  json real = vectors()["server_features"];
  for (const auto& [k, v] : real.items()) EXPECT_TRUE(features.contains(k)) << k;
  EXPECT_EQ(features["genesis_hash"], real["genesis_hash"]);
  EXPECT_EQ(features["protocol_max"], "1.4.3");
  EXPECT_EQ(c.result("server.ping"), nullptr);
  EXPECT_TRUE(c.result("server.peers.subscribe").is_array());
  EXPECT_TRUE(c.result("server.banner").is_string());
  EXPECT_DOUBLE_EQ(c.result("blockchain.relayfee").get<double>(), 0.001);
  EXPECT_GT(c.result("blockchain.estimatefee", {2}).get<double>(), 0);

  // A client asking only for an old protocol is answered and disconnected.
  JsonClient old = electrum_tcp();
  json r = old.call("server.version", {"old", "1.2"});
  EXPECT_EQ(r["error"]["code"], 1);
  EXPECT_TRUE(old.closed_by_peer());
}

TEST_F(ElectrumTest, MergeMinedHeadersAndCheckpointProofs) {
  JsonClient c = negotiated();
  const int tip = universe().height();
  // Genesis is a bare 80-byte header; merge-mined blocks carry their AuxPoW.
  json real = vectors()["headers"];
  EXPECT_EQ(c.result("blockchain.block.header", {0}), real[0]["electrumx_header"]);
  Bytes h1 = chain::from_hex(c.result("blockchain.block.header", {1}).get<std::string>());
  EXPECT_EQ(h1.size(), chain::from_hex(real[1]["electrumx_header"].get<std::string>()).size());
  EXPECT_EQ(h1.size(), 294u);
  // What the server serves parses and passes namecoind's PoW/AuxPoW check.
  chain::Verdict v =
      chain::check_header_pow(chain::parse_block_header(h1), chain::regtest_params(), 1);
  EXPECT_TRUE(v.ok) << v.reason;

  // With cp_height: 80 bytes and a branch to the root over block hashes 0..cp.
  json p = c.result("blockchain.block.header", {1, tip});
  Bytes h80 = chain::from_hex(p["header"].get<std::string>());
  ASSERT_EQ(h80.size(), 80u);
  EXPECT_TRUE(std::equal(h80.begin(), h80.end(), h1.begin()));
  EXPECT_EQ(fold_branch(chain::sha256d(h80), p["branch"], 1), h256(p["root"]));
  // ceil(log2(tip + 1)) levels, as in the recorded proof (211 leaves, 8 levels).
  size_t levels = 0;
  while ((size_t{1} << levels) < static_cast<size_t>(tip + 1)) ++levels;
  EXPECT_EQ(p["branch"].size(), levels);
  EXPECT_EQ(real[1]["electrumx_header_with_cp_height_tip"]["branch"].size(), 8u);

  json hs = c.result("blockchain.block.headers", {0, 3});
  EXPECT_EQ(hs["count"], 3);
  EXPECT_EQ(hs["max"], 2016);
  EXPECT_EQ(hs["hex"].get<std::string>().size(), 2u * (80 + 294 + 294));
  json hc = c.result("blockchain.block.headers", {0, 3, tip});
  EXPECT_EQ(hc["hex"].get<std::string>().size(), 2u * 3 * 80);
  Bytes third = chain::from_hex(hc["hex"].get<std::string>().substr(320, 160));
  EXPECT_EQ(fold_branch(chain::sha256d(third), hc["branch"], 2), h256(hc["root"]));
  // Clipped at the tip.
  EXPECT_EQ(c.result("blockchain.block.headers", {tip - 1, 10})["count"], 2);

  ASSERT_LT(tip, 1000);
  json bad = c.call("blockchain.block.header", {1000});
  EXPECT_EQ(bad["error"]["code"], 1);
  EXPECT_EQ(bad["error"]["message"], "height 1,000 out of range");
  json badcp = c.call("blockchain.block.header", {5, 2});
  EXPECT_EQ(badcp["error"]["code"], 1);
}

TEST(AuxpowMinerTest, ReproducesNamecoindRegtestAuxpowExactly) {
  // namecoind's miner for the recorded block 1: same parent coinbase, same
  // parent header, same nonce search.
  json real = vectors()["headers"][1];
  Bytes full = chain::from_hex(real["electrumx_header"].get<std::string>());
  Bytes header(full.begin(), full.begin() + 80);
  Bytes auxpow(full.begin() + 80, full.end());
  EXPECT_EQ(chain::to_hex_reversed(chain::sha256d(header)), real["hash"]);
  EXPECT_EQ(chain::to_hex(mine_auxpow(header, kRegtestBits, false)), chain::to_hex(auxpow));
}

TEST_F(ElectrumTest, TransactionsMerkleProofsAndBroadcast) {
  JsonClient c = negotiated();
  TestWallet alice;
  Bytes a = alice.new_script();
  std::string txid = universe().fund(TestWallet::address(a), 50'000'000, true);
  const int h = universe().height();
  std::string raw = c.result("blockchain.transaction.get", {txid});
  EXPECT_EQ(chain::to_hex_reversed(chain::parse_transaction(chain::from_hex(raw)).txid()), txid);
  json m = c.result("blockchain.transaction.get_merkle", {txid, h});
  EXPECT_EQ(m["block_height"], h);
  Bytes header = chain::from_hex(c.result("blockchain.block.header", {h}).get<std::string>());
  EXPECT_EQ(fold_branch(h256(txid), m["merkle"], m["pos"].get<size_t>()),
            header_merkle_root(header));
  // And chain/'s SPV check accepts it.
  std::vector<chain::Hash256> branch;
  for (const auto& b : m["merkle"]) branch.push_back(h256(b.get<std::string>()));
  EXPECT_TRUE(chain::verify_merkle_proof(h256(txid), branch, m["pos"].get<uint32_t>(),
                                         header_merkle_root(header)));
  EXPECT_EQ(c.result("blockchain.transaction.id_from_pos", {h, m["pos"]}), txid);
  json nf = c.call("blockchain.transaction.get_merkle", {txid, h - 1});
  EXPECT_EQ(nf["error"]["code"], 1);
  EXPECT_EQ(nf["error"]["message"],
            "tx " + txid + " not in block at height " + std::to_string(h - 1));
  json missing = c.call("blockchain.transaction.get", {std::string(64, 'a')});
  EXPECT_EQ(missing["error"]["code"], 2);

  // Broadcast: a valid spend gives its txid, a double spend names the rule.
  auto tx = chain::parse_transaction(chain::from_hex(raw));
  uint32_t vout = tx.outputs[0].script_pubkey == a ? 0 : 1;
  chain::Transaction spend;
  // Not signalling BIP125, so the second spend is a plain conflict.
  spend.inputs.push_back({{tx.txid(), vout}, {}, 0xfffffffe, {}});
  spend.outputs.push_back({50'000'000 - 50'000, alice.new_script()});
  alice.sign(spend, {tx.outputs[vout]});
  std::string hex = chain::to_hex(spend.serialize());
  EXPECT_EQ(c.result("blockchain.transaction.broadcast", {hex}),
            chain::to_hex_reversed(spend.txid()));
  spend.outputs[0].value -= 1000;
  alice.sign(spend, {tx.outputs[vout]});
  std::string hex2 = chain::to_hex(spend.serialize());
  json rej = c.call("blockchain.transaction.broadcast", {hex2});
  EXPECT_EQ(rej["error"]["code"], 1);
  EXPECT_EQ(rej["error"]["message"],
            "the transaction was rejected by network rules.\n\n"
            "txn-mempool-conflict\n[" +
                hex2 + "]");
}

TEST_F(ElectrumTest, ScripthashSubscriptionsAndHeaderNotifications) {
  JsonClient c = negotiated();
  TestWallet alice;
  Bytes a = alice.new_script();
  std::string sh = chain::electrum_script_hash(a);
  EXPECT_EQ(c.result("blockchain.scripthash.subscribe", {sh}), nullptr);
  json tip = c.result("blockchain.headers.subscribe");
  EXPECT_EQ(tip["height"], universe().height());

  std::string txid = universe().fund(TestWallet::address(a), 20'000'000, false);
  auto n = c.next_notification();
  ASSERT_TRUE(n);
  EXPECT_EQ((*n)["method"], "blockchain.scripthash.subscribe");
  std::string expect = chain::to_hex(chain::sha256(chain::as_span(txid + ":0:")));
  EXPECT_EQ((*n)["params"], json::array({sh, expect}));
  json mp = c.result("blockchain.scripthash.get_mempool", {sh});
  ASSERT_EQ(mp.size(), 1u);
  EXPECT_EQ(mp[0]["tx_hash"], txid);
  EXPECT_EQ(mp[0]["height"], 0);
  EXPECT_GT(mp[0]["fee"].get<int64_t>(), 0);
  EXPECT_EQ(c.result("blockchain.scripthash.get_balance", {sh}),
            json({{"confirmed", 0}, {"unconfirmed", 20'000'000}}));

  universe().mine(1);
  const int h = universe().height();
  bool saw_header = false, saw_status = false;
  for (int i = 0; i < 2; ++i) {
    auto note = c.next_notification();
    ASSERT_TRUE(note);
    if ((*note)["method"] == "blockchain.headers.subscribe") {
      saw_header = (*note)["params"][0]["height"] == h;
    } else {
      std::string st =
          chain::to_hex(chain::sha256(chain::as_span(txid + ":" + std::to_string(h) + ":")));
      saw_status = (*note)["params"][1] == st;
    }
  }
  EXPECT_TRUE(saw_header);
  EXPECT_TRUE(saw_status);
  EXPECT_EQ(c.result("blockchain.scripthash.get_history", {sh}),
            json::array({{{"tx_hash", txid}, {"height", h}}}));
  json lu = c.result("blockchain.scripthash.listunspent", {sh});
  ASSERT_EQ(lu.size(), 1u);
  EXPECT_EQ(lu[0]["value"], 20'000'000);
  EXPECT_EQ(lu[0]["height"], h);
  EXPECT_EQ(c.result("blockchain.scripthash.unsubscribe", {sh}), true);
  json bad = c.call("blockchain.scripthash.get_history", {"xyz"});
  EXPECT_EQ(bad["error"]["message"], "xyz is not a valid script hash");
}

TEST_F(ElectrumTest, NameIndexHoldsMinedOperationsAndValueProofNeeds143) {
  std::string fu = universe().name_register("d/vectors", R"({"ip":"192.0.2.1"})");
  const int fu_height = universe().height();
  // The name index script hash is the one ElectrumX computed for d/vectors.
  std::string sh = chain::name_index_script_hash(chain::as_span("d/vectors"));
  EXPECT_EQ(sh, vectors()["name_index"]["scripthash"]);

  JsonClient old = negotiated("1.4.2");
  json unk = old.call("blockchain.name.get_value_proof", {sh});
  EXPECT_EQ(unk["error"]["code"], -32601);

  JsonClient c = negotiated("1.4.3");
  std::string up = universe().name_update("d/vectors", R"({"ip":"192.0.2.2"})", "", false);
  // Unconfirmed: not in the name index.
  EXPECT_EQ(c.result("blockchain.scripthash.get_history", {sh}),
            json::array({{{"tx_hash", fu}, {"height", fu_height}}}));
  universe().mine(1);
  const int up_height = universe().height();
  EXPECT_EQ(c.result("blockchain.scripthash.get_history", {sh}),
            json::array({{{"tx_hash", fu}, {"height", fu_height}},
                         {{"tx_hash", up}, {"height", up_height}}}));

  json proof = c.result("blockchain.name.get_value_proof", {sh});
  json real = vectors()["name_index"]["get_value_proof"]["result"].begin().value();
  ASSERT_TRUE(proof.contains(sh));
  ASSERT_EQ(proof[sh].size(), real.size());
  for (size_t i = 0; i < real.size(); ++i) {
    for (const auto& [k, v] : real[i].items()) EXPECT_TRUE(proof[sh][i].contains(k)) << k;
    EXPECT_TRUE(proof[sh][i]["tx_merkle"].contains("merkle"));
    EXPECT_TRUE(proof[sh][i]["tx_merkle"].contains("pos"));
  }
  EXPECT_EQ(proof[sh][0]["height"], up_height);  // newest first
  Bytes tx = chain::from_hex(proof[sh][0]["tx"].get<std::string>());
  EXPECT_EQ(chain::to_hex_reversed(chain::sha256d(chain::parse_transaction(tx).serialize_legacy())),
            up);
  Bytes header =
      chain::from_hex(c.result("blockchain.block.header", {up_height}).get<std::string>());
  EXPECT_EQ(fold_branch(h256(up), proof[sh][0]["tx_merkle"]["merkle"],
                        proof[sh][0]["tx_merkle"]["pos"].get<size_t>()),
            header_merkle_root(header));
}

TEST_F(ElectrumTest, TlsBatchesAndJsonRpcErrors) {
  JsonClient t = electrum_tls();
  EXPECT_EQ(t.result("server.version", {"tls", "1.4"})[1], "1.4");
  EXPECT_EQ(t.result("blockchain.headers.subscribe")["height"], universe().height());
  // Before 1.4.1 ElectrumX does not cut the AuxPoW under a checkpoint.
  json p = t.result("blockchain.block.header", {1, universe().height()});
  EXPECT_EQ(p["header"].get<std::string>().size(), 2u * 294);

  JsonClient c = electrum_tcp();
  c.send_line(R"([{"jsonrpc":"2.0","method":"server.ping","id":1},)"
              R"({"jsonrpc":"2.0","method":"blockchain.block.header","params":[0],"id":2},)"
              R"({"jsonrpc":"2.0","method":"server.ping"}])");
  auto line = c.read_line();
  ASSERT_TRUE(line);
  json batch = json::parse(*line);
  ASSERT_TRUE(batch.is_array());
  EXPECT_EQ(batch.size(), 2u);  // the notification gets no reply
  c.send_line("{not json");
  line = c.read_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(json::parse(*line)["error"]["code"], -32700);
  json unknown = c.call("blockchain.nonsense", json::array());
  EXPECT_EQ(unknown["error"]["code"], -32601);
  EXPECT_EQ(unknown["error"]["message"], "unknown method \"blockchain.nonsense\"");
  json neg = c.call("blockchain.block.header", {-1});
  EXPECT_EQ(neg["error"]["message"], "-1 should be a non-negative integer");
}

TEST_F(ElectrumTest, ReachableThroughSocksByHostnameWithCredentialsLogged) {
  Fd s = connect_unix(endpoints().socks);
  std::string host = endpoints().onion;
  std::string msg = {0x05, 0x01, 0x02};
  ASSERT_TRUE(write_all(s.get(), msg));
  uint8_t sel[2];
  ASSERT_TRUE(read_exact(s.get(), sel, 2));
  ASSERT_EQ(sel[1], 0x02);
  std::string auth = {0x01, 3, 'u', 's', '1', 3, 'p', 'w', '1'};
  ASSERT_TRUE(write_all(s.get(), auth));
  ASSERT_TRUE(read_exact(s.get(), sel, 2));
  std::string req = {0x05, 0x01, 0x00, 0x03, static_cast<char>(host.size())};
  req += host;
  req += {static_cast<char>(50001 >> 8), static_cast<char>(50001 & 0xff)};
  ASSERT_TRUE(write_all(s.get(), req));
  uint8_t rep[10];
  ASSERT_TRUE(read_exact(s.get(), rep, 10));
  ASSERT_EQ(rep[1], 0x00);
  JsonClient c = JsonClient::adopt(std::move(s));
  EXPECT_EQ(c.result("server.version", {"via-socks", "1.4"})[0], "ElectrumX 1.16.0");
  auto recs = universe().socks().records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].username, "us1");
  EXPECT_EQ(recs[0].password, "pw1");
  EXPECT_EQ(recs[0].host, host);
  EXPECT_TRUE(universe().socks().violations().empty());
}

// --- misbehaviour ---------------------------------------------------------

class MisbehaviourTest : public ElectrumTest {
 protected:
  JsonClient misbehaving(Misbehaviour m) {
    universe().set_misbehaviour(m, MisbehaviourScope::next_connection);
    return electrum_tcp();
  }
};

TEST_F(MisbehaviourTest, WrongAndTruncatedHeaders) {
  JsonClient honest = electrum_tcp();
  std::string good = honest.result("blockchain.block.header", {5});
  JsonClient liar = misbehaving(Misbehaviour::wrong_headers);
  std::string bad = liar.result("blockchain.block.header", {5});
  ASSERT_EQ(bad.size(), good.size());
  EXPECT_NE(bad, good);
  std::string prev = honest.result("blockchain.block.header", {4});
  Bytes prev80 = chain::from_hex(prev.substr(0, 160));
  Bytes bad80 = chain::from_hex(bad.substr(0, 160));
  chain::Hash256 prev_hash = chain::sha256d(prev80);
  EXPECT_FALSE(std::equal(prev_hash.begin(), prev_hash.end(), bad80.begin() + 4));
  // Only that connection lies.
  EXPECT_EQ(electrum_tcp().result("blockchain.block.header", {5}), good);

  JsonClient cut = misbehaving(Misbehaviour::truncated_headers);
  EXPECT_EQ(cut.result("blockchain.block.header", {5}).get<std::string>().size(), good.size() - 2);
}

TEST_F(MisbehaviourTest, BadMerkleWrongTxWithheldHistory) {
  TestWallet alice;
  Bytes a = alice.new_script();
  std::string txid = universe().fund(TestWallet::address(a), 30'000'000, true);
  const int h = universe().height();
  Bytes header =
      chain::from_hex(electrum_tcp().result("blockchain.block.header", {h}).get<std::string>());

  json m =
      misbehaving(Misbehaviour::bad_merkle).result("blockchain.transaction.get_merkle", {txid, h});
  EXPECT_NE(fold_branch(h256(txid), m["merkle"], m["pos"].get<size_t>()),
            header_merkle_root(header));

  std::string raw =
      misbehaving(Misbehaviour::wrong_tx).result("blockchain.transaction.get", {txid});
  EXPECT_NE(chain::to_hex_reversed(chain::parse_transaction(chain::from_hex(raw)).txid()), txid);

  std::string sh = chain::electrum_script_hash(a);
  JsonClient w = misbehaving(Misbehaviour::withhold_history);
  EXPECT_EQ(w.result("blockchain.scripthash.get_history", {sh}), json::array());
  EXPECT_EQ(w.result("blockchain.scripthash.subscribe", {sh}), nullptr);
  EXPECT_EQ(electrum_tcp().result("blockchain.scripthash.get_history", {sh}).size(), 1u);
}

TEST_F(MisbehaviourTest, FakeNameValue) {
  universe().name_register("d/fake", "real");
  std::string sh = chain::name_index_script_hash(chain::as_span("d/fake"));
  JsonClient c = misbehaving(Misbehaviour::fake_name_value);
  c.result("server.version", {"t", "1.4.3"});
  json proof = c.result("blockchain.name.get_value_proof", {sh});
  Bytes raw = chain::from_hex(proof[sh][0]["tx"].get<std::string>());
  auto tx = chain::parse_transaction(raw);
  bool faked = false;
  for (const auto& o : tx.outputs) {
    auto ns = chain::decode_name_script(o.script_pubkey);
    if (ns) faked = std::string(ns->op.value.begin(), ns->op.value.end()) != "real";
  }
  EXPECT_TRUE(faked);
}

TEST_F(MisbehaviourTest, StaleNameHistoryImitatesElectrumXAfterReorg) {
  std::string fu = universe().name_register("d/stale", "v");
  const int old_height = universe().height();
  std::string sh = chain::name_index_script_hash(chain::as_span("d/stale"));
  universe().reorg(1);  // the firstupdate's block is orphaned
  EXPECT_EQ(electrum_tcp().result("blockchain.scripthash.get_history", {sh}), json::array());
  json stale = misbehaving(Misbehaviour::stale_name_history)
                   .result("blockchain.scripthash.get_history", {sh});
  EXPECT_EQ(stale, json::array({{{"tx_hash", fu}, {"height", old_height}}}));
  universe().mine(1);  // mined again, at a new height
  const int new_height = universe().height();
  EXPECT_EQ(electrum_tcp().result("blockchain.scripthash.get_history", {sh}),
            json::array({{{"tx_hash", fu}, {"height", new_height}}}));
  EXPECT_EQ(misbehaving(Misbehaviour::stale_name_history)
                .result("blockchain.scripthash.get_history", {sh})
                .size(),
            2u);
}

TEST_F(MisbehaviourTest, HugeAndEndlessLinesStallAndDrop) {
  JsonClient huge = misbehaving(Misbehaviour::huge_line);
  huge.send_line(R"({"jsonrpc":"2.0","method":"server.ping","id":1})");
  EXPECT_FALSE(huge.read_line(10000, 1 << 20));
  EXPECT_GT(huge.last_partial_size(), 1u << 20);

  JsonClient endless = misbehaving(Misbehaviour::endless_line);
  endless.send_line(R"({"jsonrpc":"2.0","method":"server.ping","id":1})");
  EXPECT_FALSE(endless.read_line(10000, 2 << 20));
  EXPECT_GT(endless.last_partial_size(), 2u << 20);

  JsonClient stall = misbehaving(Misbehaviour::stall);
  stall.send_line(R"({"jsonrpc":"2.0","method":"server.ping","id":1})");
  EXPECT_FALSE(stall.read_line(500));
  EXPECT_EQ(stall.last_partial_size(), 0u);

  JsonClient drop = misbehaving(Misbehaviour::drop);
  drop.send_line(R"({"jsonrpc":"2.0","method":"server.ping","id":1})");
  EXPECT_TRUE(drop.closed_by_peer());

  // All connections: even an open one starts misbehaving.
  JsonClient open = electrum_tcp();
  universe().set_misbehaviour(Misbehaviour::stall, MisbehaviourScope::all_connections);
  open.send_line(R"({"jsonrpc":"2.0","method":"server.ping","id":1})");
  EXPECT_FALSE(open.read_line(500));
  universe().set_misbehaviour(Misbehaviour::none, MisbehaviourScope::all_connections);
  EXPECT_EQ(electrum_tcp().result("server.ping"), nullptr);
}

}  // namespace
}  // namespace redoubt::testsupport
