// JSON-RPC framing and limits, message classification, and the typed parsing
// of Electrum results (hashes reversed to internal order, lengths checked).
#include <gtest/gtest.h>

#include "chain/bytes.h"
#include "netd/electrum.h"
#include "netd/jsonrpc.h"

namespace redoubt::netd {
namespace {

TEST(NetdJsonRpc, FramerSplitsAcrossFeeds) {
  LineFramer f(100);
  std::string line;
  f.feed("{\"a\":", 5);
  EXPECT_FALSE(f.next(line));
  std::string rest = "1}\r\n{\"b\":2}\n{";
  f.feed(rest.data(), rest.size());
  ASSERT_TRUE(f.next(line));
  EXPECT_EQ(line, "{\"a\":1}");
  ASSERT_TRUE(f.next(line));
  EXPECT_EQ(line, "{\"b\":2}");
  EXPECT_FALSE(f.next(line));
  EXPECT_EQ(f.buffered(), 1u);
}

TEST(NetdJsonRpc, FramerCutsOffEndlessAndOversizeLines) {
  LineFramer endless(64);
  std::string chunk(16, 'x');
  for (int i = 0; i < 4; ++i) endless.feed(chunk.data(), chunk.size());  // exactly 64: ok
  EXPECT_THROW(endless.feed("x", 1), ProtocolError);

  LineFramer oversize(64);
  std::string big(65, 'y');
  big += "\n";
  EXPECT_THROW(oversize.feed(big.data(), big.size()), ProtocolError);

  // A short line, then an endless one in the same read: cut off too.
  LineFramer mixed(64);
  std::string both = "{}\n" + std::string(100, 'w');
  mixed.feed(both.data(), both.size());
  std::string first;
  ASSERT_TRUE(mixed.next(first));
  EXPECT_THROW(mixed.next(first), ProtocolError);

  LineFramer exact(64);
  std::string ok(64, 'z');
  ok += "\n";
  exact.feed(ok.data(), ok.size());
  std::string line;
  ASSERT_TRUE(exact.next(line));
  EXPECT_EQ(line.size(), 64u);
}

TEST(NetdJsonRpc, FramerMemoryStaysBounded) {
  LineFramer f(1000);
  std::string line;
  std::string msg(500, 'a');
  msg += "\n";
  for (int i = 0; i < 10000; ++i) {
    f.feed(msg.data(), msg.size());
    ASSERT_TRUE(f.next(line));
  }
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(NetdJsonRpc, RequestsAndBatches) {
  std::string r = make_request(7, "server.version", server_version_params());
  EXPECT_EQ(r.back(), '\n');
  Json j = Json::parse(r);
  EXPECT_EQ(j["id"], 7);
  EXPECT_EQ(j["jsonrpc"], "2.0");
  EXPECT_EQ(j["params"], Json::parse(R"(["redoubt 0.1", ["1.4", "1.4.3"]])"));
  std::vector<Request> reqs;
  for (uint64_t i = 0; i < kMaxBatch; ++i) reqs.push_back({i, "server.ping", Json::array()});
  EXPECT_EQ(Json::parse(make_batch(reqs)).size(), kMaxBatch);
  reqs.push_back({999, "server.ping", Json::array()});
  EXPECT_THROW(make_batch(reqs), UsageError);
}

TEST(NetdJsonRpc, ClassifiesResultsErrorsNotifications) {
  auto m = parse_line(R"({"jsonrpc":"2.0","id":3,"result":{"x":1}})");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].kind, RpcMessage::Kind::result);
  EXPECT_EQ(m[0].id, 3u);
  m = parse_line(R"({"jsonrpc":"2.0","id":4,"error":{"code":1,"message":"bad"}})");
  EXPECT_EQ(m[0].kind, RpcMessage::Kind::error);
  EXPECT_EQ(m[0].error_message, "bad");
  m = parse_line(R"({"jsonrpc":"2.0","method":"blockchain.headers.subscribe","params":[{}]})");
  EXPECT_EQ(m[0].kind, RpcMessage::Kind::notification);
  m = parse_line(R"([{"id":1,"result":null},{"id":2,"result":5}])");
  EXPECT_EQ(m.size(), 2u);
}

TEST(NetdJsonRpc, RejectsEveryMalformedShape) {
  std::string deep(100, '[');
  for (const std::string& bad :
       {std::string("not json"), std::string("{\"id\":1"), std::string("42"), std::string("[]"),
        std::string(R"({"id":-1,"result":1})"), std::string(R"({"id":"1","result":1})"),
        std::string(R"({"id":1.5,"result":1})"), std::string(R"({"id":1})"),
        std::string(R"({"id":1,"error":"x"})"), std::string(R"({"id":1,"error":{"code":"1"}})"),
        std::string(R"({"method":5,"params":[]})"), std::string(R"({"method":"m","params":{}})"),
        std::string(R"({"id":null,"error":{"code":-32700,"message":"parse"}})"), deep}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_line(bad), ProtocolError);
  }
  Json batch = Json::array();
  for (size_t i = 0; i <= kMaxBatch; ++i) batch.push_back({{"id", i}, {"result", 0}});
  EXPECT_THROW(parse_line(batch.dump()), ProtocolError);
}

const std::string kHash = "00000000000000000000000000000000000000000000000000000000000000ff";

TEST(NetdElectrum, HashesComeBackInInternalOrder) {
  Bytes txid = parse_txid(kHash);
  ASSERT_EQ(txid.size(), 32u);
  EXPECT_EQ(txid[0], 0xff);  // displayed reversed
  EXPECT_THROW(parse_txid("abcd"), ProtocolError);
  EXPECT_THROW(parse_txid(5), ProtocolError);
  Bytes sh(32, 0);
  sh[0] = 0xab;
  std::string p = scripthash_param(sh);
  EXPECT_EQ(p.substr(62), "ab");
  EXPECT_EQ(scripthash_from_param(p), sh);
}

TEST(NetdElectrum, HistoryAndUtxos) {
  auto h = parse_history(Json::parse(R"([{"tx_hash":")" + kHash + R"(","height":5},{"tx_hash":")" +
                                     kHash + R"(","height":-1,"fee":200}])"));
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].height, 5);
  EXPECT_EQ(h[1].height, -1);
  EXPECT_EQ(h[1].fee, 200);
  EXPECT_THROW(parse_history(Json::parse(R"([{"tx_hash":"zz","height":1}])")), ProtocolError);
  EXPECT_THROW(parse_history(Json::parse(R"([{"tx_hash":")" + kHash + R"(","height":-2}])")),
               ProtocolError);
  EXPECT_THROW(parse_history(Json::parse(R"({"a":1})")), ProtocolError);
  auto u = parse_utxos(
      Json::parse(R"([{"tx_hash":")" + kHash + R"(","tx_pos":1,"height":3,"value":5000}])"));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].value, 5000);
  EXPECT_THROW(parse_utxos(Json::parse(R"([{"tx_hash":")" + kHash +
                                       R"(","tx_pos":1,"height":3,"value":-1}])")),
               ProtocolError);
  EXPECT_THROW(parse_utxos(Json::parse(R"([{"tx_hash":")" + kHash +
                                       R"(","tx_pos":1,"height":3,"value":1e30}])")),
               ProtocolError);
}

TEST(NetdElectrum, MerkleStatusFeeVersion) {
  auto m =
      parse_merkle(Json::parse(R"({"block_height":10,"pos":2,"merkle":[")" + kHash + R"("]})"));
  EXPECT_EQ(m.block_height, 10u);
  ASSERT_EQ(m.branch.size(), 1u);
  EXPECT_EQ(m.branch[0][0], 0xff);
  EXPECT_THROW(parse_merkle(Json::parse(R"({"block_height":10,"pos":2,"merkle":["00"]})")),
               ProtocolError);
  EXPECT_TRUE(parse_status(nullptr).empty());
  EXPECT_EQ(parse_status(kHash).size(), 32u);
  EXPECT_THROW(parse_status("00"), ProtocolError);
  EXPECT_EQ(parse_fee(0.0001), 10000);
  EXPECT_EQ(parse_fee(-1), -1);
  EXPECT_THROW(parse_fee("0.1"), ProtocolError);
  EXPECT_THROW(parse_fee(-0.5), ProtocolError);
  EXPECT_EQ(parse_server_version(Json::parse(R"(["ElectrumX 1.16", "1.4.2"])")).protocol, "1.4.2");
  EXPECT_THROW(parse_server_version(Json::parse(R"(["x", "1.2"])")), ProtocolError);
}

// An 80-byte header with the AuxPoW flag, followed by a minimal AuxPoW.
Bytes auxpow_header(uint8_t tag) {
  chain::Bytes h(80, tag);
  h[0] = 0x01;
  h[1] = 0x01;  // version 0x0101: AuxPoW flag set
  h[2] = h[3] = 0;
  Bytes aux;
  auto put = [&](std::initializer_list<uint8_t> b) { aux.insert(aux.end(), b); };
  put({1, 0, 0, 0});                // coinbase version
  put({1});                         // one input
  aux.insert(aux.end(), 36, 0);     // outpoint
  put({3, 0xaa, 0xbb, 0xcc});       // script
  put({0xff, 0xff, 0xff, 0xff});    // sequence
  put({1});                         // one output
  aux.insert(aux.end(), 8, 0);      // value
  put({1, 0x51});                   // script
  put({0, 0, 0, 0});                // locktime
  aux.insert(aux.end(), 32, 0x11);  // parent block hash
  put({1});                         // coinbase branch: one hash
  aux.insert(aux.end(), 32, 0x22);
  put({0, 0, 0, 0});
  put({0});  // chain branch: empty
  put({0, 0, 0, 0});
  aux.insert(aux.end(), 80, 0x33);  // parent header
  h.insert(h.end(), aux.begin(), aux.end());
  return h;
}

TEST(NetdElectrum, SplitsMergeMinedAndPlainHeaders) {
  Bytes a = auxpow_header(0xa1), b(80, 0xb2), c = auxpow_header(0xc3);
  b[1] = 0;  // version without the AuxPoW flag
  Bytes all = a;
  all.insert(all.end(), b.begin(), b.end());
  all.insert(all.end(), c.begin(), c.end());
  auto parts = split_headers(all, 3, false);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], a);
  EXPECT_EQ(parts[1], b);
  EXPECT_EQ(parts[2], c);
  // One byte short anywhere, or trailing garbage, or the wrong count: refused.
  Bytes short_all(all.begin(), all.end() - 1);
  EXPECT_THROW(split_headers(short_all, 3, false), ProtocolError);
  EXPECT_THROW(split_headers(all, 2, false), ProtocolError);
  EXPECT_THROW(split_headers(all, 4, false), ProtocolError);
  // Truncated (checkpointed) chunks are 80 bytes each whatever the flag says.
  Bytes flat(160, 0x01);
  EXPECT_EQ(split_headers(flat, 2, true).size(), 2u);
}

TEST(NetdElectrum, HeadersReply) {
  Bytes a = auxpow_header(1);
  Json r = {{"count", 1}, {"hex", chain::to_hex(a)}, {"max", 2016}};
  auto chunk = parse_headers(r, 5, false);
  ASSERT_EQ(chunk.headers.size(), 1u);
  EXPECT_EQ(chunk.headers[0], a);
  Json too_many = {{"count", 6}, {"hex", ""}, {"max", 2016}};
  EXPECT_THROW(parse_headers(too_many, 5, false), ProtocolError);
  Json cp = {{"count", 1},
             {"hex", std::string(160, '0')},
             {"root", kHash},
             {"branch", Json::array({kHash, kHash})}};
  auto c = parse_headers(cp, 1, true);
  EXPECT_EQ(c.headers[0].size(), 80u);
  EXPECT_EQ(c.branch.size(), 2u);
  EXPECT_EQ(c.root[0], 0xff);
}

}  // namespace
}  // namespace redoubt::netd
