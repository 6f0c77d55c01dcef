// The universe's mempool and chain enforce what a Namecoin node enforces:
// payments with real P2WPKH and P2PKH signatures, the name lifecycle
// (name_new -> firstupdate after 12 blocks -> update, expiry after 30), and
// namecoind's rejections for each broken rule.
#include <gtest/gtest.h>

#include "chain/names.h"
#include "chain/script.h"
#include "tests/support/universe.h"
#include "tests/support/universe_fixture.h"

namespace redoubt::testsupport {
namespace {

using chain::Bytes;

struct Utxo {
  chain::OutPoint op;
  chain::TxOut out;
};

class MempoolTest : public UniverseFixture {
 protected:
  void configure(UniverseOptions& o) override { o.start_servers = false; }

  // The universe pays `amount` to `script` and mines it.
  Utxo fund(const Bytes& script, int64_t amount) {
    std::string txid = universe().fund(TestWallet::address(script), amount, true);
    auto tx = chain::parse_transaction(*universe().raw_tx(txid));
    for (uint32_t i = 0; i < tx.outputs.size(); ++i) {
      if (tx.outputs[i].script_pubkey == script) return {{tx.txid(), i}, tx.outputs[i]};
    }
    ADD_FAILURE() << "funding output not found";
    return {};
  }

  static chain::Transaction spend(const TestWallet& w, const std::vector<Utxo>& ins,
                                  const std::vector<chain::TxOut>& outs, int32_t version = 2,
                                  uint32_t sequence = 0xfffffffd) {
    chain::Transaction tx;
    tx.version = version;
    std::vector<chain::TxOut> spent;
    for (const auto& u : ins) {
      tx.inputs.push_back({u.op, {}, sequence, {}});
      spent.push_back(u.out);
    }
    tx.outputs = outs;
    w.sign(tx, spent);
    return tx;
  }

  static Utxo out_of(const chain::Transaction& tx, uint32_t i) {
    return {{tx.txid(), i}, tx.outputs[i]};
  }

  std::optional<std::string> broadcast(const chain::Transaction& tx) {
    return universe().broadcast(tx);
  }
  int confirmations(const chain::Transaction& tx) {
    return universe().confirmations(chain::to_hex_reversed(tx.txid()));
  }

  TestWallet alice, bob;
};

constexpr int64_t kCoin = 100'000'000;
constexpr int64_t kFee = 50'000;  // 0.0005 NMC: above 100 sat/vB for these sizes

TEST_F(MempoolTest, PaysWithSegwitAndLegacySignatures) {
  Bytes a_wit = alice.new_script(KeyKind::p2wpkh);
  Bytes a_leg = alice.new_script(KeyKind::p2pkh);
  Utxo u = fund(a_wit, kCoin);
  EXPECT_EQ(u.out.value, kCoin);

  // P2WPKH -> P2PKH (BIP143 signature), then P2PKH -> bob (legacy signature).
  auto t1 = spend(alice, {u}, {{kCoin - kFee, a_leg}});
  ASSERT_FALSE(t1.inputs[0].witness.empty());
  EXPECT_EQ(broadcast(t1), std::nullopt);
  Bytes b = bob.new_script();
  auto t2 = spend(alice, {out_of(t1, 0)}, {{kCoin - 2 * kFee, b}});
  ASSERT_FALSE(t2.inputs[0].script_sig.empty());
  EXPECT_EQ(broadcast(t2), std::nullopt);  // spends an unconfirmed parent
  EXPECT_EQ(confirmations(t2), 0);
  universe().mine(1);
  EXPECT_EQ(confirmations(t1), 1);
  EXPECT_EQ(confirmations(t2), 1);
  // Rebroadcasting a mined transaction fails as namecoind's does.
  EXPECT_EQ(broadcast(t2), "Transaction outputs already in utxo set");
}

// BIP125: a signalling transaction is replaced by one paying more (rate and
// absolute fee plus the incremental relay fee), with its descendants; one
// paying less is refused and changes nothing.
TEST_F(MempoolTest, ReplacesASignallingTransactionThatPaysMore) {
  Bytes a = alice.new_script();
  Utxo u = fund(a, kCoin);
  auto t1 = spend(alice, {u}, {{kCoin - kFee, alice.new_script()}});
  ASSERT_EQ(broadcast(t1), std::nullopt);
  auto child = spend(alice, {out_of(t1, 0)}, {{kCoin - 2 * kFee, bob.new_script()}});
  ASSERT_EQ(broadcast(child), std::nullopt);
  auto cheap = spend(alice, {u}, {{kCoin - kFee + 10, bob.new_script()}});
  EXPECT_NE(broadcast(cheap), std::nullopt);
  EXPECT_EQ(confirmations(t1), 0) << "still there";
  // Must beat t1 and its child together, plus the increment.
  auto t2 = spend(alice, {u}, {{kCoin - 4 * kFee, bob.new_script()}});
  EXPECT_EQ(broadcast(t2), std::nullopt);
  EXPECT_EQ(confirmations(t1), -1) << "replaced";
  EXPECT_EQ(confirmations(child), -1) << "its descendant went with it";
  universe().mine(1);
  EXPECT_EQ(confirmations(t2), 1);
}

TEST_F(MempoolTest, RejectsDoubleSpendsAndMissingInputs) {
  Bytes a = alice.new_script();
  Utxo u = fund(a, kCoin);
  // t1 does not signal BIP125: no replacement, even paying more.
  auto t1 = spend(alice, {u}, {{kCoin - kFee, bob.new_script()}}, 2, 0xfffffffe);
  auto t2 = spend(alice, {u}, {{kCoin - 2 * kFee, bob.new_script()}});
  EXPECT_EQ(broadcast(t1), std::nullopt);
  EXPECT_EQ(broadcast(t2), "txn-mempool-conflict");
  universe().mine(1);
  EXPECT_EQ(broadcast(t2), "bad-txns-inputs-missingorspent");
  // An input that never existed.
  Utxo ghost = u;
  ghost.op.index = 77;
  EXPECT_EQ(broadcast(spend(alice, {ghost}, {{1000, a}})), "bad-txns-inputs-missingorspent");
}

TEST_F(MempoolTest, RejectsBadSignaturesAndOverspending) {
  Bytes a_wit = alice.new_script(KeyKind::p2wpkh);
  Bytes a_leg = alice.new_script(KeyKind::p2pkh);
  Utxo uw = fund(a_wit, kCoin);
  Utxo ul = fund(a_leg, kCoin);

  // A signature over different outputs no longer verifies.
  auto t = spend(alice, {uw}, {{kCoin - kFee, bob.new_script()}});
  t.outputs[0].value -= 1;
  auto r = broadcast(t);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r,
            "mandatory-script-verify-flag-failed (Signature must be zero for failed "
            "CHECK(MULTI)SIG operation)");

  // Bob's key on Alice's P2PKH coin: the pubkey hash does not match.
  auto tb = spend(alice, {ul}, {{kCoin - kFee, bob.new_script()}});
  TestWallet mallory;
  Bytes m_leg = mallory.new_script(KeyKind::p2pkh);
  chain::Transaction forged = tb;
  mallory.sign(forged, {chain::TxOut{kCoin, m_leg}});
  ASSERT_NE(forged.inputs[0].script_sig, tb.inputs[0].script_sig);
  EXPECT_EQ(broadcast(forged),
            "mandatory-script-verify-flag-failed (Script failed an OP_EQUALVERIFY operation)");

  // Unsigned segwit input.
  auto unsigned_tx = spend(TestWallet{}, {uw}, {{kCoin - kFee, a_leg}});
  EXPECT_EQ(broadcast(unsigned_tx),
            "mandatory-script-verify-flag-failed (Witness program hash mismatch)");

  // Outputs above inputs; fee below the relay minimum.
  EXPECT_EQ(broadcast(spend(alice, {uw}, {{kCoin + 1, a_leg}})), "bad-txns-in-belowout");
  auto r2 = broadcast(spend(alice, {uw}, {{kCoin, a_leg}}));
  ASSERT_TRUE(r2);
  EXPECT_TRUE(r2->starts_with("min relay fee not met")) << *r2;
}

TEST_F(MempoolTest, ImmatureCoinbaseCannotBeSpent) {
  Bytes a = alice.new_script();
  universe().mine_to_script(1, a);
  Utxo cb;
  bool found = universe().with_state([&](RegtestChain& c, Mempool&, TestWallet&) {
    const auto& b = c.block(c.height());
    cb = {{b.txids[0], 0}, b.txs[0].outputs[0]};
    return b.txs[0].is_coinbase();
  });
  ASSERT_TRUE(found);
  EXPECT_EQ(broadcast(spend(alice, {cb}, {{cb.out.value - kFee, a}})),
            "bad-txns-premature-spend-of-coinbase");
}

class NameTest : public MempoolTest {
 protected:
  const Bytes name_{'d', '/', 'r', 'e', 'd', 'o', 'u', 'b', 't'};
  const Bytes salt_ = Bytes(20, 0x42);

  // name_new funded from `funds`; returns the tx (name output 0, change 1).
  chain::Transaction name_new(const Utxo& funds, const Bytes& owner) {
    auto commitment = chain::name_commitment(salt_, name_);
    return spend(alice, {funds},
                 {{chain::kNameLockedAmount, chain::name_new_script(commitment, owner)},
                  {funds.out.value - chain::kNameLockedAmount - kFee, alice.new_script()}},
                 chain::kNameTxVersion);
  }
  chain::Transaction firstupdate(const chain::Transaction& nn, const Bytes& salt,
                                 const Bytes& owner, const std::string& value) {
    Bytes v(value.begin(), value.end());
    return spend(alice, {out_of(nn, 0), out_of(nn, 1)},
                 {{chain::kNameLockedAmount, chain::name_firstupdate_script(name_, salt, v, owner)},
                  {nn.outputs[1].value - kFee, alice.new_script()}},
                 chain::kNameTxVersion);
  }
};

TEST_F(NameTest, RegisterAndUpdateFollowNamecoindTiming) {
  Utxo funds = fund(alice.new_script(), kCoin);
  Bytes owner = alice.new_script();
  auto nn = name_new(funds, owner);
  ASSERT_EQ(broadcast(nn), std::nullopt);
  auto fu = firstupdate(nn, salt_, owner, R"({"ip":"192.0.2.1"})");
  // Not while the name_new is unconfirmed.
  EXPECT_EQ(broadcast(fu), "tx-firstupdate-immature");
  universe().mine(1);
  const int new_height = universe().height();
  // Accepted with one confirmation, but mined only 12 blocks after the name_new.
  ASSERT_EQ(broadcast(fu), std::nullopt);
  universe().mine(kMinFirstUpdateDepth - 1);
  EXPECT_EQ(confirmations(fu), 0);
  EXPECT_FALSE(universe().name_show("d/redoubt"));
  universe().mine(1);
  EXPECT_EQ(universe().height(), new_height + kMinFirstUpdateDepth);
  ASSERT_EQ(confirmations(fu), 1);
  auto rec = universe().name_show("d/redoubt");
  ASSERT_TRUE(rec);
  EXPECT_EQ(std::string(rec->value.begin(), rec->value.end()), R"({"ip":"192.0.2.1"})");
  EXPECT_EQ(rec->address_script, owner);

  // The owner updates (spending the name output with its key).
  Bytes v2 = {'v', '2'};
  Utxo fee_funds = fund(alice.new_script(), kCoin);
  auto up = spend(alice, {out_of(fu, 0), fee_funds},
                  {{chain::kNameLockedAmount, chain::name_update_script(name_, v2, owner)},
                   {kCoin - kFee, alice.new_script()}},
                  chain::kNameTxVersion);
  ASSERT_EQ(broadcast(up), std::nullopt);
  universe().mine(1);
  rec = universe().name_show("d/redoubt");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->value, v2);
  EXPECT_EQ(rec->height, universe().height());
}

TEST_F(NameTest, RejectsWrongSaltNonOwnerAndGreedyNames) {
  Utxo funds = fund(alice.new_script(), kCoin);
  Bytes owner = alice.new_script();
  auto nn = name_new(funds, owner);
  ASSERT_EQ(broadcast(nn), std::nullopt);
  universe().mine(1);
  EXPECT_EQ(broadcast(firstupdate(nn, Bytes(20, 0x43), owner, "x")),
            "tx-firstupdate-hash-mismatch");
  auto fu = firstupdate(nn, salt_, owner, "x");
  ASSERT_EQ(broadcast(fu), std::nullopt);
  universe().mine(kMinFirstUpdateDepth);
  ASSERT_TRUE(universe().name_show("d/redoubt"));

  // Bob cannot update Alice's name: without the name input ...
  Utxo bob_funds = fund(bob.new_script(), kCoin);
  Bytes v = {'b', 'o', 'b'};
  auto no_input =
      spend(bob, {bob_funds},
            {{chain::kNameLockedAmount, chain::name_update_script(name_, v, bob.new_script())},
             {kCoin - chain::kNameLockedAmount - kFee, bob.new_script()}},
            chain::kNameTxVersion);
  EXPECT_EQ(broadcast(no_input), "tx-nameupdate-without-name-input");
  // ... nor by spending it with his key.
  auto stolen =
      spend(bob, {out_of(fu, 0), bob_funds},
            {{chain::kNameLockedAmount, chain::name_update_script(name_, v, bob.new_script())},
             {kCoin - kFee, bob.new_script()}},
            chain::kNameTxVersion);
  TestWallet bob_as_owner;  // signs input 0 with a key that is not the owner's
  Bytes fake_owner = bob_as_owner.new_script();
  bob_as_owner.sign(stolen, {chain::TxOut{chain::kNameLockedAmount, fake_owner}});
  EXPECT_EQ(broadcast(stolen),
            "mandatory-script-verify-flag-failed (Witness program hash mismatch)");

  // A name output below 0.01 NMC is "greedy"; a name output in a non-name tx is refused.
  Utxo more = fund(alice.new_script(), kCoin);
  auto greedy = spend(alice, {out_of(fu, 0), more},
                      {{chain::kNameLockedAmount - 1, chain::name_update_script(name_, v, owner)},
                       {kCoin - kFee, alice.new_script()}},
                      chain::kNameTxVersion);
  EXPECT_EQ(broadcast(greedy), "tx-name-greedy");
  auto plain = spend(alice, {out_of(fu, 0), more},
                     {{chain::kNameLockedAmount, chain::name_update_script(name_, v, owner)},
                      {kCoin - kFee, alice.new_script()}},
                     2);
  EXPECT_EQ(broadcast(plain), "tx-nonname-with-name-input");
}

TEST_F(NameTest, NamesExpireAfterThirtyBlocksAndCanBeReRegistered) {
  std::string txid = universe().name_register("d/redoubt", "theirs");
  auto rec = universe().name_show("d/redoubt");
  ASSERT_TRUE(rec);
  const int updated = rec->height;
  // Its registrant's name output is spendable until expiry, then gone.
  universe().mine(kRegtestNameExpiration - 1 - (universe().height() - updated));
  EXPECT_TRUE(universe().with_state(
      [&](RegtestChain& c, Mempool&, TestWallet&) { return c.coin(rec->outpoint).has_value(); }));
  universe().mine(1);
  EXPECT_EQ(universe().height(), updated + kRegtestNameExpiration);
  EXPECT_FALSE(universe().with_state(
      [&](RegtestChain& c, Mempool&, TestWallet&) { return c.coin(rec->outpoint).has_value(); }));
  // Alice registers the expired name.
  Utxo funds = fund(alice.new_script(), kCoin);
  Bytes owner = alice.new_script();
  auto nn = name_new(funds, owner);
  ASSERT_EQ(broadcast(nn), std::nullopt);
  universe().mine(1);
  auto fu = firstupdate(nn, salt_, owner, "mine now");
  ASSERT_EQ(broadcast(fu), std::nullopt);
  universe().mine(kMinFirstUpdateDepth);
  rec = universe().name_show("d/redoubt");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->address_script, owner);
}

TEST_F(NameTest, OnlyOnePendingOperationPerName) {
  universe().name_register("d/redoubt", "theirs");
  universe().name_update("d/redoubt", "second", "", /*confirm=*/false);
  EXPECT_THROW(universe().name_update("d/redoubt", "third", "", false), std::runtime_error);
}

TEST_F(NameTest, ReorgReturnsTransactionsToTheMempool) {
  Utxo u = fund(alice.new_script(), kCoin);
  auto t = spend(alice, {u}, {{kCoin - kFee, bob.new_script()}});
  ASSERT_EQ(broadcast(t), std::nullopt);
  universe().mine(1);
  ASSERT_EQ(confirmations(t), 1);
  const int h = universe().height();
  std::string old_tip = universe().with_state([](RegtestChain& c, Mempool&, TestWallet&) {
    return chain::to_hex(c.block(c.height()).hash);
  });
  EXPECT_EQ(universe().reorg(2), h + 1);
  EXPECT_EQ(confirmations(t), 0);  // unconfirmed again
  std::string new_at_h = universe().with_state(
      [&](RegtestChain& c, Mempool&, TestWallet&) { return chain::to_hex(c.block(h).hash); });
  EXPECT_NE(old_tip, new_at_h);
  universe().mine(1);
  EXPECT_EQ(confirmations(t), 1);
}

TEST_F(NameTest, ReorgCanMineTheTransactionsAgainAtAnotherHeight) {
  Utxo u = fund(alice.new_script(), kCoin);
  auto t = spend(alice, {u}, {{kCoin - kFee, bob.new_script()}});
  ASSERT_EQ(broadcast(t), std::nullopt);
  universe().mine(3);
  const int h = universe().height();
  const int was_at = h - 2;
  ASSERT_EQ(confirmations(t), 3);
  // Fork below it (at h - 4), mined again in the branch's first block.
  EXPECT_EQ(universe().reorg(4, 0), h + 1);
  auto at = universe().with_state([&](RegtestChain& c, Mempool& m, TestWallet&) {
    EXPECT_TRUE(m.entries().empty());
    return c.find_tx(t.txid());
  });
  ASSERT_TRUE(at);
  EXPECT_EQ(at->first, h - 3);
  EXPECT_NE(at->first, was_at);
}

}  // namespace
}  // namespace redoubt::testsupport
