#include "tests/support/bulk_wallet.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "chain/seed.h"

namespace redoubt::testsupport {

using chain::Bytes;

namespace {

constexpr int kFundingBlocks = 40;  // coinbases consolidated into the funder's coin
constexpr int64_t kFee = 20'000;    // ~140 sat/vB for 1-in 2-out P2WPKH: over the minimum
constexpr int64_t kConsolidationFee = 400'000;
constexpr uint32_t kSequence = 0xfffffffd;  // RBF signalling, as wallets send

int64_t receive_value(int r) {
  return 1'000'000 + static_cast<int64_t>(r % 1000) * 1'000;
}

}  // namespace

chain::ExtendedPrivateKey electrum_segwit_account(std::string_view phrase) {
  if (chain::electrum_seed_kind(phrase) != chain::ElectrumSeedKind::kSegwit) {
    throw std::invalid_argument("not an Electrum segwit seed phrase");
  }
  chain::SecureBytes seed = chain::electrum_seed_to_bip32_seed(phrase, "");
  return chain::ExtendedPrivateKey::from_seed(seed.span()).derive(chain::kHardened | 0);
}

BulkWallet build_bulk_wallet(Universe& u, const chain::ExtendedPrivateKey& account,
                             const BulkWalletSpec& spec) {
  const int change_n = spec.addresses / 4;
  const int receive_n = spec.addresses - change_n;
  // Each address gets about the same number of transactions.
  const int n_send = static_cast<int>(static_cast<int64_t>(spec.transactions) * change_n /
                                      std::max(1, spec.addresses));
  const int n_recv = spec.transactions - n_send;
  if (change_n < 1 || n_recv < receive_n || n_send < change_n || n_send > n_recv ||
      spec.txs_per_block < 1) {
    throw std::invalid_argument("bulk wallet: need transactions >= addresses >= 4");
  }

  TestWallet keys;
  std::vector<Bytes> receive, change;
  const chain::ExtendedPrivateKey rchain = account.derive(0), cchain = account.derive(1);
  for (int i = 0; i < receive_n; ++i)
    receive.push_back(keys.add_key(rchain.derive(static_cast<uint32_t>(i)).key().clone()));
  for (int i = 0; i < change_n; ++i)
    change.push_back(keys.add_key(cchain.derive(static_cast<uint32_t>(i)).key().clone()));
  const Bytes funder = keys.new_script();
  const Bytes payee = TestWallet().new_script();  // someone else

  // Funding: coinbases to the funder, matured, then consolidated into one coin.
  auto hashes = u.mine_to_script(kFundingBlocks, funder);
  u.mine(kCoinbaseMaturity);
  chain::Transaction consolidate;
  std::vector<chain::TxOut> spent;
  int64_t total = 0;
  u.with_state([&](RegtestChain& c, Mempool&, TestWallet&) {
    for (size_t i = 0; i < hashes.size(); ++i) {
      const Block& b =
          c.block(c.height() - kCoinbaseMaturity - kFundingBlocks + 1 + static_cast<int>(i));
      consolidate.inputs.push_back(chain::TxIn{{b.txids[0], 0}, {}, kSequence, {}});
      spent.push_back(b.txs[0].outputs[0]);
      total += b.txs[0].outputs[0].value;
    }
  });
  consolidate.outputs.push_back(chain::TxOut{total - kConsolidationFee, funder});
  keys.sign(consolidate, spent);

  BulkWallet out;
  std::vector<Universe::PreparedBlock> blocks(1);
  auto add = [&](chain::Transaction tx, int64_t fee) {
    if (static_cast<int>(blocks.back().txs.size()) >= spec.txs_per_block) blocks.emplace_back();
    blocks.back().txs.push_back(std::move(tx));
    blocks.back().fees += fee;
  };
  chain::OutPoint fund_coin{consolidate.txid(), 0};
  chain::TxOut fund_out = consolidate.outputs[0];
  add(std::move(consolidate), kConsolidationFee);

  std::vector<chain::OutPoint> recv_coin;  // receive k's output to the wallet
  std::vector<int64_t> recv_value;
  int64_t change_total = 0;
  while (out.receives + out.sends < spec.transactions) {
    // Keep sends in proportion, each spending an earlier receive's coin.
    const bool send = out.sends < n_send && out.sends < out.receives &&
                      (out.receives >= n_recv || static_cast<int64_t>(out.sends) * n_recv <=
                                                     static_cast<int64_t>(out.receives) * n_send);
    chain::Transaction tx;
    if (send) {
      const int s = out.sends++;
      const int64_t v = recv_value[static_cast<size_t>(s)];
      const int64_t to_change = v / 2;
      tx.inputs.push_back(chain::TxIn{recv_coin[static_cast<size_t>(s)], {}, kSequence, {}});
      tx.outputs.push_back(chain::TxOut{v - to_change - kFee, payee});
      tx.outputs.push_back(chain::TxOut{to_change, change[static_cast<size_t>(s % change_n)]});
      change_total += to_change;
      keys.sign(tx, {chain::TxOut{v, receive[static_cast<size_t>(s % receive_n)]}});
    } else {
      const int r = out.receives++;
      const int64_t v = receive_value(r);
      if (fund_out.value < v + kFee + 1000) throw std::logic_error("bulk wallet: funder is dry");
      tx.inputs.push_back(chain::TxIn{fund_coin, {}, kSequence, {}});
      tx.outputs.push_back(chain::TxOut{v, receive[static_cast<size_t>(r % receive_n)]});
      tx.outputs.push_back(chain::TxOut{fund_out.value - v - kFee, funder});
      keys.sign(tx, {fund_out});
      const chain::Hash256 txid = tx.txid();
      recv_coin.push_back({txid, 0});
      recv_value.push_back(v);
      fund_coin = {txid, 1};
      fund_out = tx.outputs[1];
    }
    add(std::move(tx), kFee);
  }
  u.mine_prepared(blocks);

  // Unspent: receives not spent by a send, and every change output.
  for (size_t k = static_cast<size_t>(out.sends); k < recv_value.size(); ++k)
    out.balance += recv_value[k];
  out.balance += change_total;
  out.transactions = out.receives + out.sends;
  out.receive_used = receive_n;
  out.change_used = change_n;
  out.blocks = static_cast<int>(blocks.size());
  out.tip = u.height();
  out.receive_scripts = std::move(receive);
  out.change_scripts = std::move(change);
  return out;
}

}  // namespace redoubt::testsupport
