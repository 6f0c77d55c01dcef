// The transaction builder: payments and the three name operations, RBF,
// exact vsize (compared with chain/'s weight of the transaction completed
// with maximum-size signatures), amounts that balance to the satoshi, and
// the keyd sign request.
#include <gtest/gtest.h>

#include <cstring>

#include "broker/bumpfee.h"
#include "broker/tx_builder.h"
#include "chain/hash.h"
#include "chain/names.h"
#include "chain/script.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using wallettest::kCoinSat;

using wallettest::nm;

Coin coin(uint8_t tag, int64_t value, AddressId addr,
          chain::KeyScriptType t = chain::KeyScriptType::kP2wpkh) {
  Coin c;
  c.outpoint.txid[0] = tag;
  c.outpoint.index = 0;
  c.value = value;
  c.address = addr;
  chain::Hash160 kh{static_cast<uint8_t>(addr)};
  c.script_pubkey =
      t == chain::KeyScriptType::kP2wpkh ? chain::p2wpkh_script(kh) : chain::p2pkh_script(kh);
  c.type = t;
  c.height = 50;
  c.path = {0x80000000u, 0, static_cast<uint32_t>(addr)};
  return c;
}

// The name d/n (value "old") held at address 5, as build_name_update spends it.
Coin name_coin_d_n() {
  Coin nc = coin(8, chain::kNameLockedAmount, 5);
  nc.is_name = true;
  nc.script_pubkey =
      chain::name_update_script(nm("d/n"), nm("old"), chain::p2wpkh_script(chain::Hash160{5}));
  return nc;
}

OwnAddress own(AddressId id, bool change) {
  chain::Hash160 kh{static_cast<uint8_t>(200 + id)};
  return {id,
          chain::p2wpkh_script(kh),
          {0x80000000u, change ? 1u : 0u, static_cast<uint32_t>(id)},
          chain::KeyScriptType::kP2wpkh};
}

// Completes the transaction with signatures of the size keyd always makes.
size_t signed_vsize(chain::Transaction tx, const std::vector<Coin>& coins) {
  for (auto& in : tx.inputs) {
    const Coin* c = nullptr;
    for (const auto& k : coins)
      if (k.outpoint == in.prevout) c = &k;
    if (!c) throw std::logic_error("input not among coins");
    if (c->type == chain::KeyScriptType::kP2wpkh) {
      in.witness = {Bytes(71, 0x30), Bytes(33, 0x02)};
    } else {
      in.script_sig.clear();
      chain::append_push(in.script_sig, Bytes(71, 0x30));
      chain::append_push(in.script_sig, Bytes(33, 0x02));
    }
  }
  return tx.vsize();
}

int64_t sum_in(const BuiltTx& b) {
  int64_t s = 0;
  for (const auto& i : b.sign.inputs) s += i.value;
  return s;
}
int64_t sum_out(const BuiltTx& b) {
  int64_t s = 0;
  for (const auto& o : b.tx.outputs) s += o.value;
  return s;
}

TEST(TxBuilder, PaymentWithChangeRbfAndExactVsize) {
  std::vector<Coin> coins = {coin(1, 2 * kCoinSat, 1), coin(2, 3 * kCoinSat, 2),
                             coin(3, kCoinSat, 3, chain::KeyScriptType::kP2pkh)};
  auto g = Groupings::compute({1, 2, 3}, {{{1, 2, 3}, {}}});  // one group: all three spent
  BuildOptions opt;
  opt.fee_rate = 2345;
  Bytes dest = chain::p2pkh_script(chain::Hash160{0xaa});
  auto b = build_payment(coins, g, {{dest, 4 * kCoinSat}}, own(9, true), opt);
  EXPECT_EQ(b.tx.version, 2);
  ASSERT_EQ(b.tx.inputs.size(), 3u);
  for (const auto& in : b.tx.inputs) EXPECT_EQ(in.sequence, kRbfSequence);
  ASSERT_TRUE(b.change_index);
  EXPECT_EQ(b.tx.outputs[*b.change_index].script_pubkey, own(9, true).script);
  EXPECT_EQ(sum_in(b), sum_out(b) + b.fee);
  EXPECT_EQ(b.vsize, signed_vsize(b.tx, coins));
  EXPECT_EQ(b.fee, fee_for_vsize(b.vsize, 2345));
  // Sign request: inputs in transaction order with their values and paths.
  ASSERT_EQ(b.sign.inputs.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    for (const auto& c : coins)
      if (c.outpoint == b.tx.inputs[i].prevout) {
        EXPECT_EQ(b.sign.inputs[i].value, c.value);
        EXPECT_EQ(b.sign.inputs[i].script_pubkey, c.script_pubkey);
        EXPECT_EQ(b.sign.inputs[i].path, c.path);
      }
  ASSERT_EQ(b.sign.change.size(), 1u);
  EXPECT_EQ(b.sign.change[0].output_index, *b.change_index);
  EXPECT_EQ(b.sign.change[0].path, own(9, true).path);
  EXPECT_TRUE(b.sign.transfer_names.empty());
  EXPECT_EQ(chain::parse_transaction(b.sign.unsigned_tx), b.tx);
}

TEST(TxBuilder, NoRbfWhenAskedAndRefusesBadPayments) {
  std::vector<Coin> coins = {coin(1, 2 * kCoinSat, 1)};
  auto g = Groupings::compute({1}, {});
  BuildOptions opt;
  opt.rbf = false;
  auto b = build_payment(coins, g, {{chain::p2wpkh_script({}), kCoinSat}}, own(9, true), opt);
  EXPECT_EQ(b.tx.inputs[0].sequence, kFinalSequence);
  EXPECT_THROW(build_payment(coins, g, {{chain::p2wpkh_script({}), 100}}, own(9, true), opt),
               WalletError);  // dust
  Bytes name_out = chain::name_update_script(nm("d/x"), nm("v"), chain::p2wpkh_script({}));
  EXPECT_THROW(build_payment(coins, g, {{name_out, kCoinSat}}, own(9, true), opt), WalletError);
}

TEST(TxBuilder, NameNewLocksTheNameAmountInVersion7100) {
  std::vector<Coin> coins = {coin(1, kCoinSat, 1)};
  auto g = Groupings::compute({1}, {});
  Bytes salt(20, 0x5a);
  auto b = build_name_new(coins, g, nm("d/test"), salt, own(5, false), own(9, true), {});
  EXPECT_EQ(b.tx.version, chain::kNameTxVersion);
  ASSERT_TRUE(b.name_index);
  const auto& out = b.tx.outputs[*b.name_index];
  EXPECT_EQ(out.value, chain::kNameLockedAmount);
  auto ns = chain::decode_name_script(out.script_pubkey);
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->op.type, chain::NameOpType::kNameNew);
  auto c = chain::name_commitment(salt, nm("d/test"));
  EXPECT_EQ(ns->op.commitment, Bytes(c.begin(), c.end()));
  EXPECT_EQ(ns->address_script, own(5, false).script);
  ASSERT_TRUE(b.change_index);
  EXPECT_FALSE(chain::decode_name_script(b.tx.outputs[*b.change_index].script_pubkey));
  EXPECT_EQ(sum_in(b), sum_out(b) + b.fee);
  EXPECT_EQ(b.sign.change.size(), 2u);  // the name output (ours) and the change
  EXPECT_EQ(b.vsize, signed_vsize(b.tx, coins));
  EXPECT_THROW(
      build_name_new(coins, g, nm("d/test"), Bytes(19, 0), own(5, false), own(9, true), {}),
      WalletError);
}

TEST(TxBuilder, FirstUpdateSpendsTheNameNewAndChecksTheSalt) {
  Bytes salt(20, 0x11);
  Coin nn = coin(7, chain::kNameLockedAmount, 5);
  nn.is_name = true;
  nn.script_pubkey = chain::name_new_script(chain::name_commitment(salt, nm("d/n")),
                                            chain::p2wpkh_script(chain::Hash160{5}));
  std::vector<Coin> coins = {coin(1, kCoinSat, 1), nn};
  auto g = Groupings::compute({1, 5}, {});
  auto b = build_name_firstupdate(coins, g, nn, nm("d/n"), salt, nm("{}"), own(6, false),
                                  own(9, true), {});
  EXPECT_EQ(b.tx.version, chain::kNameTxVersion);
  bool spends_nn = false;
  for (const auto& in : b.tx.inputs) spends_nn = spends_nn || in.prevout == nn.outpoint;
  EXPECT_TRUE(spends_nn);
  auto ns = chain::decode_name_script(b.tx.outputs[*b.name_index].script_pubkey);
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->op.type, chain::NameOpType::kNameFirstUpdate);
  EXPECT_EQ(ns->op.salt, salt);
  EXPECT_EQ(b.tx.outputs[*b.name_index].value, chain::kNameLockedAmount);
  EXPECT_EQ(sum_in(b), sum_out(b) + b.fee);
  EXPECT_EQ(b.vsize, signed_vsize(b.tx, coins));
  EXPECT_THROW(build_name_firstupdate(coins, g, nn, nm("d/n"), Bytes(20, 0x12), nm("{}"),
                                      own(6, false), own(9, true), {}),
               WalletError);
  EXPECT_THROW(build_name_firstupdate(coins, g, coins[0], nm("d/n"), salt, nm("{}"), own(6, false),
                                      own(9, true), {}),
               WalletError);
}

TEST(TxBuilder, UpdateAndTransfer) {
  Coin nc = name_coin_d_n();
  std::vector<Coin> coins = {coin(1, kCoinSat, 1), nc};
  auto g = Groupings::compute({1, 5}, {{{5}, {nm("d/n")}}});
  auto b = build_name_update(coins, g, nc, nm("d/n"), nm("new"), own(6, false), std::nullopt,
                             own(9, true), {});
  EXPECT_TRUE(b.sign.transfer_names.empty());
  EXPECT_EQ(b.sign.change.size(), 2u);
  Bytes foreign = chain::p2wpkh_script(chain::Hash160{0xee});
  auto t = build_name_update(coins, g, nc, nm("d/n"), nm("new"), own(6, false), foreign,
                             own(9, true), {});
  EXPECT_EQ(t.sign.transfer_names, std::vector<Bytes>{nm("d/n")});
  auto ns = chain::decode_name_script(t.tx.outputs[*t.name_index].script_pubkey);
  EXPECT_EQ(ns->address_script, foreign);
  ASSERT_EQ(t.sign.change.size(), 1u);  // only the currency change is ours
  EXPECT_EQ(t.sign.change[0].output_index, *t.change_index);
  EXPECT_EQ(sum_in(t), sum_out(t) + t.fee);
  // The coin of another name cannot be used to update this one.
  EXPECT_THROW(build_name_update(coins, g, nc, nm("d/other"), nm("x"), own(6, false), std::nullopt,
                                 own(9, true), {}),
               WalletError);
}

// bumpfee: the change pays first (exact fee at the new rate on the exact
// size, payment untouched, inputs the same); a confirmed coin is added when
// the change cannot; a rate not above the original's, or a transaction that
// does not signal BIP125, is refused.
TEST(BumpFee, ChangePaysFirstThenACoinIsAdded) {
  std::vector<Coin> coins = {coin(1, kCoinSat, 1)};
  const Bytes foreign = chain::p2wpkh_script(chain::Hash160{0xee});
  const OwnAddress change = own(1, true);
  BuildOptions opt;
  opt.fee_rate = 100'000;
  BuiltTx orig =
      build_payment(coins, Groupings::compute({1}, {}), {{foreign, 30'000'000}}, change, opt);
  ASSERT_TRUE(orig.change_index);
  chain::Transaction signed_tx = orig.tx;  // sizes as keyd signs them (fee.h)
  for (auto& in : signed_tx.inputs) in.witness = {Bytes(71, 0x30), Bytes(33, 0x02)};

  BumpRequest req;
  req.original = signed_tx;
  req.spent = coins;
  req.change_index = orig.change_index;
  req.change = change;
  req.fee_rate = 250'000;
  req.incremental_rate = 100'000;
  req.extra = {coin(2, 5 * kCoinSat, 2)};
  BuiltTx b = build_bumpfee(req);
  EXPECT_EQ(b.tx.inputs.size(), 1u) << "the change could pay";
  EXPECT_EQ(b.fee, fee_for_vsize(b.vsize, 250'000));
  EXPECT_EQ(b.vsize, signed_vsize(b.tx, coins));
  int64_t out = 0, paid = 0;
  for (const auto& o : b.tx.outputs) {
    out += o.value;
    if (o.script_pubkey == foreign) paid += o.value;
  }
  EXPECT_EQ(paid, 30'000'000);
  EXPECT_EQ(kCoinSat - out, b.fee);
  ASSERT_TRUE(b.change_index);
  EXPECT_EQ(b.tx.outputs[*b.change_index].script_pubkey, change.script);
  EXPECT_EQ(b.sign.change.size(), 1u);

  // Too little change: the extra coin comes in.
  req.fee_rate = 400'000;
  req.original.outputs[*orig.change_index].value = 1'000;
  req.spent[0].value = 30'000'000 + 1'000 + orig.fee;
  BuiltTx more = build_bumpfee(req);
  EXPECT_EQ(more.tx.inputs.size(), 2u);
  EXPECT_EQ(more.fee, fee_for_vsize(more.vsize, 400'000));
  // Not above the original's rate; no BIP125 signal.
  req.fee_rate = 1'000;
  EXPECT_THROW(build_bumpfee(req), WalletError);
  req.fee_rate = 300'000;
  for (auto& in : req.original.inputs) in.sequence = kFinalSequence;
  EXPECT_THROW(build_bumpfee(req), WalletError);
}

// bumpfee of a name_update: the name output is kept byte for byte (script
// and value, so the name, its value and its owner do not change), the
// inputs stay (the name coin among them), the version stays 0x7100, and
// only the fee grows, from the change.
TEST(BumpFee, NameUpdateKeepsItsNameOutputIdentical) {
  Coin nc = name_coin_d_n();
  std::vector<Coin> coins = {coin(1, kCoinSat, 1), nc};
  auto g = Groupings::compute({1, 5}, {{{5}, {nm("d/n")}}});
  BuildOptions opt;
  opt.fee_rate = 100'000;
  const OwnAddress change = own(9, true);
  BuiltTx orig = build_name_update(coins, g, nc, nm("d/n"), nm("new"), own(6, false), std::nullopt,
                                   change, opt);
  ASSERT_TRUE(orig.name_index && orig.change_index);
  const chain::TxOut name_out = orig.tx.outputs[*orig.name_index];
  chain::Transaction signed_tx = orig.tx;
  for (auto& in : signed_tx.inputs) in.witness = {Bytes(71, 0x30), Bytes(33, 0x02)};

  BumpRequest req;
  req.original = signed_tx;
  for (const auto& in : orig.tx.inputs)
    for (const auto& c : coins)
      if (c.outpoint == in.prevout) req.spent.push_back(c);
  req.change_index = orig.change_index;
  req.change = change;
  req.own_outputs = {{*orig.name_index, own(6, false).path}};
  req.fee_rate = 300'000;
  req.incremental_rate = 100'000;
  BuiltTx b = build_bumpfee(req);
  EXPECT_EQ(b.tx.version, chain::kNameTxVersion);
  ASSERT_TRUE(b.name_index);
  EXPECT_EQ(b.tx.outputs[*b.name_index].script_pubkey, name_out.script_pubkey);
  EXPECT_EQ(b.tx.outputs[*b.name_index].value, name_out.value);
  EXPECT_EQ(b.tx.inputs.size(), orig.tx.inputs.size()) << "the change paid";
  EXPECT_EQ(b.fee, fee_for_vsize(b.vsize, 300'000));
  EXPECT_GT(b.fee, orig.fee);
  EXPECT_EQ(b.vsize, signed_vsize(b.tx, coins));
  EXPECT_EQ(sum_in(b), sum_out(b) + b.fee);
  // keyd is told the name output and the change are ours.
  ASSERT_EQ(b.sign.change.size(), 2u);
  EXPECT_TRUE(b.sign.transfer_names.empty());
  // A name output in a transaction that is not a name transaction: refused.
  req.original.version = 2;
  EXPECT_THROW(build_bumpfee(req), WalletError);
}

}  // namespace
}  // namespace redoubt::broker
