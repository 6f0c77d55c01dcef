#include "tests/support/universe.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "chain/address.h"
#include "chain/names.h"
#include "chain/params.h"
#include "chain/script.h"
#include "tests/support/control.h"
#include "tests/support/electrum_methods.h"
#include "tests/support/onion.h"

namespace redoubt::testsupport {

using chain::Bytes;
using nlohmann::json;

namespace {

Bytes random_bytes(size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes");
  return b;
}

Bytes script_for(const std::string& address) {
  return chain::address_to_script(address, chain::regtest_params());
}
}  // namespace

json UniverseEndpoints::to_json() const {
  return json{{"tcp", tcp},         {"tls", tls},     {"socks", socks},
              {"control", control}, {"onion", onion}, {"cert", cert}};
}

Universe::Universe(UniverseOptions opts)
    : opts_(std::move(opts)),
      chain_(RegtestChain::Options{opts_.mm_marker}),
      mempool_(Mempool::Options{opts_.min_relay_fee_per_kvb}) {
  if (opts_.datadir.empty()) throw std::invalid_argument("universe: datadir is required");
  if (opts_.onion_host.empty()) opts_.onion_host = default_universe_onion();
}

Universe::~Universe() {
  stop();
}

void Universe::start() {
  std::filesystem::create_directories(opts_.datadir);
  {
    std::lock_guard lk(mu_);
    mining_script_ = wallet_.new_script(KeyKind::p2wpkh);
    mine_locked(opts_.initial_blocks, mining_script_);
  }
  endpoints_.onion = opts_.onion_host;
  if (!opts_.start_servers) {
    started_ = true;
    return;
  }
  methods_ = std::make_unique<ElectrumMethods>(*this);
  ElectrumServer::Options eo;
  eo.tcp_port = opts_.tcp_port;
  eo.tls_port = opts_.tls_port;
  eo.cert_path = opts_.datadir + "/server.crt";
  eo.cert_extra_dns = opts_.onion_host;
  electrum_ = std::make_unique<ElectrumServer>(eo, *methods_);
  electrum_->start();

  socks_ = std::make_unique<SocksServer>(SocksServer::Options{opts_.datadir + "/socks.sock"});
  // Electrum's conventional ports: 50001 plain, 50002 TLS.
  for (const std::string& host :
       {std::string("electrum.test"), opts_.onion_host, std::string("*.onion")}) {
    socks_->add_route({host, 50001, electrum_->tcp_port()});
    socks_->add_route({host, 50002, electrum_->tls_port()});
  }
  socks_->start();

  control_ = std::make_unique<ControlServer>(*this, opts_.datadir + "/control.sock");
  control_->start();

  endpoints_.tcp = electrum_->tcp_port();
  endpoints_.tls = electrum_->tls_port();
  endpoints_.socks = socks_->socket_path();
  endpoints_.control = control_->path();
  endpoints_.cert = electrum_->cert_path();
  started_ = true;
}

void Universe::stop() {
  if (control_) control_->stop();
  if (socks_) socks_->stop();
  if (electrum_) electrum_->stop();
}

int Universe::height() const {
  std::lock_guard lk(mu_);
  return chain_.height();
}

void Universe::changed() {
  index_.reset();
}

std::shared_ptr<const ElectrumIndex> Universe::index() const {
  std::lock_guard lk(mu_);
  if (!index_) {
    ElectrumIndex ix = ElectrumIndex::build(chain_, mempool_);
    ix.orphaned_name_history = orphaned_name_history_;
    index_ = std::make_shared<const ElectrumIndex>(std::move(ix));
  }
  return index_;
}

std::vector<std::string> Universe::mine_locked(int n, const Bytes& script) {
  std::vector<std::string> hashes;
  for (int i = 0; i < n; ++i) {
    int64_t fees = 0;
    auto txs = mempool_.select_for_block(chain_, fees);
    const Block& b = chain_.mine_block(script, txs, fees, reorg_counter_);
    hashes.push_back(chain::to_hex_reversed(b.hash));
    mempool_.resync(chain_);
  }
  changed();
  return hashes;
}

std::vector<std::string> Universe::mine(int n, const std::string& address) {
  if (n < 0 || n > 10000) throw std::invalid_argument("mine: bad block count");
  std::vector<std::string> r;
  {
    std::lock_guard lk(mu_);
    r = mine_locked(n, address.empty() ? mining_script_ : script_for(address));
  }
  if (electrum_) electrum_->notify_changed();
  return r;
}

std::vector<std::string> Universe::mine_to_script(int n, const Bytes& script) {
  std::vector<std::string> r;
  {
    std::lock_guard lk(mu_);
    r = mine_locked(n, script);
  }
  if (electrum_) electrum_->notify_changed();
  return r;
}

std::string Universe::pay_locked(const Bytes& script, int64_t amount, int32_t version,
                                 const std::vector<chain::TxOut>& extra_outputs,
                                 const std::optional<chain::OutPoint>& name_input) {
  chain::Transaction tx;
  tx.version = version;
  tx.locktime = static_cast<uint32_t>(chain_.height());
  std::vector<chain::TxOut> spent;
  int64_t in_total = 0;
  if (name_input) {
    auto c = mempool_.coin(chain_, *name_input);
    if (!c) throw std::runtime_error("name coin is missing or spent");
    tx.inputs.push_back(chain::TxIn{*name_input, {}, 0xfffffffd, {}});
    spent.push_back(c->out);
    in_total += c->out.value;
  }
  tx.outputs.push_back(chain::TxOut{amount, script});
  for (const auto& o : extra_outputs) tx.outputs.push_back(o);
  int64_t out_total = 0;
  for (const auto& o : tx.outputs) out_total += o.value;
  Bytes change = wallet_.new_script(KeyKind::p2wpkh);

  auto fee_for = [&](size_t n_in) {
    size_t vsize = 11 + 68 * n_in + 43 * (tx.outputs.size() + 1);
    for (const auto& o : tx.outputs) vsize += o.script_pubkey.size();
    // The relay minimum on an over-estimated size, as namecoind's wallet pays.
    return static_cast<int64_t>(vsize) * opts_.min_relay_fee_per_kvb / 1000;
  };
  // Confirmed, mature, plain (non-name) coins of ours not spent in the mempool.
  for (const auto& [op, coin] : chain_.utxos()) {
    if (in_total >= out_total + fee_for(tx.inputs.size())) break;
    if (!wallet_.owns(coin.out.script_pubkey)) continue;
    if (chain::decode_name_script(coin.out.script_pubkey)) continue;
    if (coin.coinbase && chain_.height() + 1 - coin.height < kCoinbaseMaturity) continue;
    if (mempool_.spent_in_mempool(op)) continue;
    tx.inputs.push_back(chain::TxIn{op, {}, 0xfffffffd, {}});
    spent.push_back(coin.out);
    in_total += coin.out.value;
  }
  int64_t fee = fee_for(tx.inputs.size());
  if (in_total < out_total + fee) throw std::runtime_error("universe wallet: insufficient funds");
  int64_t change_value = in_total - out_total - fee;
  if (change_value >= 1000) tx.outputs.push_back(chain::TxOut{change_value, change});
  wallet_.sign(tx, spent);
  if (auto reason = mempool_.accept(chain_, tx)) {
    throw std::runtime_error("universe transaction rejected: " + *reason);
  }
  changed();
  return chain::to_hex_reversed(tx.txid());
}

std::string Universe::fund(const std::string& address, int64_t amount, bool confirm) {
  std::string txid;
  {
    std::lock_guard lk(mu_);
    txid = pay_locked(script_for(address), amount, 2, {}, std::nullopt);
    if (confirm) mine_locked(1, mining_script_);
  }
  if (electrum_) electrum_->notify_changed();
  return txid;
}

int Universe::reorg(int n) {
  int h;
  {
    std::lock_guard lk(mu_);
    if (n < 1 || n >= chain_.height()) throw std::invalid_argument("reorg: bad depth");
    for (int bh = chain_.height() - n + 1; bh <= chain_.height(); ++bh) {
      for (auto& [sh, c] : name_index_entries(chain_.block(bh), bh)) {
        orphaned_name_history_[sh].push_back(c);
      }
    }
    auto txs = chain_.disconnect(n);
    ++reorg_counter_;
    // The competing chain is one block longer and carries none of the
    // disconnected transactions: they are unconfirmed again.
    for (int i = 0; i <= n; ++i) chain_.mine_block(mining_script_, {}, 0, reorg_counter_);
    mempool_.readd(chain_, txs);
    changed();
    h = chain_.height();
  }
  if (electrum_) electrum_->notify_changed();
  return h;
}

void Universe::copy_chain_from(const Universe& other) {
  {
    std::scoped_lock lk(mu_, other.mu_);
    chain_ = other.chain_;
    orphaned_name_history_ = other.orphaned_name_history_;
    mempool_.resync(chain_);
    changed();
  }
  if (electrum_) electrum_->notify_changed();
}

std::string Universe::name_register(const std::string& name, const std::string& value) {
  std::string txid;
  {
    std::lock_guard lk(mu_);
    Bytes n(name.begin(), name.end()), v(value.begin(), value.end());
    Bytes salt = random_bytes(chain::kNameSaltLength);
    chain::Hash160 commitment = chain::name_commitment(salt, n);
    Bytes owner = wallet_.new_script(KeyKind::p2wpkh);
    std::string new_txid =
        pay_locked(chain::name_new_script(commitment, owner), chain::kNameLockedAmount,
                   chain::kNameTxVersion, {}, std::nullopt);
    mine_locked(1, mining_script_);
    chain::OutPoint new_out{chain::hash_from_hex_reversed(new_txid), 0};
    txid = pay_locked(chain::name_firstupdate_script(n, salt, v, owner), chain::kNameLockedAmount,
                      chain::kNameTxVersion, {}, new_out);
    // Mined in the block where the name_new is kMinFirstUpdateDepth deep.
    mine_locked(kMinFirstUpdateDepth, mining_script_);
    if (!chain_.find_tx(chain::hash_from_hex_reversed(txid))) {
      throw std::logic_error("name_firstupdate was not mined");
    }
  }
  if (electrum_) electrum_->notify_changed();
  return txid;
}

std::string Universe::name_update(const std::string& name, const std::string& value,
                                  const std::string& to_address, bool confirm) {
  std::string txid;
  {
    std::lock_guard lk(mu_);
    Bytes n(name.begin(), name.end()), v(value.begin(), value.end());
    auto rec = chain_.name(n);
    if (!rec || rec->expired_at(chain_.height() + 1)) throw std::runtime_error("name not found");
    if (!wallet_.owns(rec->address_script))
      throw std::runtime_error("name not owned by the universe");
    Bytes owner = to_address.empty() ? wallet_.new_script(KeyKind::p2wpkh) : script_for(to_address);
    txid = pay_locked(chain::name_update_script(n, v, owner), chain::kNameLockedAmount,
                      chain::kNameTxVersion, {}, rec->outpoint);
    if (confirm) mine_locked(1, mining_script_);
  }
  if (electrum_) electrum_->notify_changed();
  return txid;
}

std::optional<NameRecord> Universe::name_show(const std::string& name) const {
  std::lock_guard lk(mu_);
  return chain_.name(Bytes(name.begin(), name.end()));
}

void Universe::mine_prepared(const std::vector<PreparedBlock>& blocks) {
  {
    std::lock_guard lk(mu_);
    for (const auto& b : blocks) chain_.mine_block(mining_script_, b.txs, b.fees, reorg_counter_);
    mempool_.resync(chain_);
    changed();
  }
  if (electrum_) electrum_->notify_changed();
}

std::optional<std::string> Universe::broadcast(const chain::Transaction& tx) {
  std::optional<std::string> reason;
  {
    std::lock_guard lk(mu_);
    chain::Hash256 txid = tx.txid();
    if (mempool_.find(txid)) return std::nullopt;  // Core: already known, not an error
    if (chain_.find_tx(txid)) return std::string("Transaction outputs already in utxo set");
    reason = mempool_.accept(chain_, tx);
    if (!reason) changed();
  }
  if (!reason && electrum_) electrum_->notify_changed();
  return reason;
}

std::optional<Bytes> Universe::raw_tx(const std::string& txid_hex) const {
  auto ix = index();
  auto it = ix->txs.find(chain::hash_from_hex_reversed(txid_hex));
  if (it == ix->txs.end()) return std::nullopt;
  return it->second.raw;
}

int Universe::confirmations(const std::string& txid_hex) const {
  auto ix = index();
  auto it = ix->txs.find(chain::hash_from_hex_reversed(txid_hex));
  if (it == ix->txs.end()) return -1;
  return it->second.height < 0 ? 0 : ix->height - it->second.height + 1;
}

void Universe::set_misbehaviour(Misbehaviour m, MisbehaviourScope scope) {
  if (electrum_) electrum_->set_misbehaviour(m, scope);
}

std::string Universe::misbehaving_host(Misbehaviour m) {
  if (!electrum_ || !socks_) throw std::logic_error("universe servers are not running");
  std::string host(m == Misbehaviour::none ? "honest" : to_string(m));
  std::replace(host.begin(), host.end(), '_', '-');
  host += ".electrum.test";
  auto [tcp, tls] = electrum_->fixed_mode_listeners(m);
  socks_->add_route({host, 50001, tcp});  // duplicates are harmless: first match wins
  socks_->add_route({host, 50002, tls});
  return host;
}

}  // namespace redoubt::testsupport
