// The local regtest universe in one object: a Namecoin regtest chain with its
// mempool and an own wallet, an Electrum server (TCP and TLS) in front of it,
// a SOCKS5 proxy on a Unix socket that maps test hostnames to the server, and
// a control socket. Tests start it with Universe::start(); `redoubt-testnet`
// wraps it as a program. Thread-safe: every method may be called from any
// thread while the servers run.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chain/bytes.h"
#include "chain/tx.h"
#include "tests/support/chain_builder.h"
#include "tests/support/electrum_index.h"
#include "tests/support/electrum_server.h"
#include "tests/support/mempool.h"
#include "tests/support/misbehaviour.h"
#include "tests/support/socks_server.h"
#include "tests/support/wallet.h"

namespace redoubt::testsupport {

class ControlServer;
class ElectrumMethods;

struct UniverseOptions {
  std::string datadir;    // required: sockets, certificate and log go here
  uint16_t tcp_port = 0;  // 0: a free port
  uint16_t tls_port = 0;
  int initial_blocks = 110;   // mined to the universe's wallet at start (coinbase maturity is 100)
  bool start_servers = true;  // false: chain and mempool only (unit tests)
  bool mm_marker = false;     // parent coinbase carries the fabe6d6d marker
  // blockchain.estimatefee answer (NMC per kB); namecoind's min relay fee is 0.00001.
  // Namecoin's relay minimum is 0.001 NMC/kB (100,000 sat/kvB, ten times
  // Bitcoin's old default; the recorded namecoind regtest transactions pay
  // exactly 100 sat/vB). estimatefee answers twice that.
  double estimatefee_nmc_per_kb = 0.002;
  int64_t min_relay_fee_per_kvb = 100'000;
  // The .onion name the SOCKS proxy maps to the server; empty: a well-formed
  // v3 name from a fixed key (default_universe_onion(), stable across runs).
  std::string onion_host;
};

// Where the universe listens: the ready line of redoubt-testnet.
struct UniverseEndpoints {
  uint16_t tcp = 0;
  uint16_t tls = 0;
  std::string socks;    // SOCKS5 Unix socket path
  std::string control;  // control Unix socket path
  std::string onion;    // hostname mapped to the server through SOCKS
  std::string cert;     // the TLS certificate (PEM) the server presents
  nlohmann::json to_json() const;
};

class Universe {
 public:
  explicit Universe(UniverseOptions opts);
  ~Universe();
  Universe(const Universe&) = delete;
  Universe& operator=(const Universe&) = delete;

  // Mines the initial blocks and starts the servers. Throws on failure.
  void start();
  // Stops every server and joins every thread. Idempotent.
  void stop();
  const UniverseEndpoints& endpoints() const { return endpoints_; }

  // --- chain controls -------------------------------------------------
  int height() const;
  // Mines n blocks paying to `address` (regtest), or to the universe's wallet.
  // Includes what the mempool may put in each block. Returns the block hashes
  // (displayed hex).
  std::vector<std::string> mine(int n, const std::string& address = "");
  std::vector<std::string> mine_to_script(int n, const chain::Bytes& script);
  // Pays `amount` satoshis to `address` from the universe's wallet, fee
  // paying the relay minimum; in the mempool, mined at once if `confirm`.
  // Returns the txid (displayed hex). Throws on failure (e.g. no funds).
  std::string fund(const std::string& address, int64_t amount, bool confirm = false);
  // Replaces the top n blocks with n+1 new empty blocks; their transactions
  // go back to the mempool (those still valid). Returns the new height.
  int reorg(int n);
  // Replaces this universe's chain with a copy of `other`'s (our mempool
  // keeps only what still fits): a second Electrum server on the same chain,
  // same genesis and blocks. Mine or reorg() either one afterwards to fork.
  void copy_chain_from(const Universe& other);
  // Registers `name` for the universe's wallet ("someone else"): name_new,
  // 12 blocks, name_firstupdate, 1 block. Returns the firstupdate txid.
  std::string name_register(const std::string& name, const std::string& value);
  // Updates a name the universe owns; optionally transfers it to `to_address`.
  // Mined at once when `confirm`. Returns the txid.
  std::string name_update(const std::string& name, const std::string& value,
                          const std::string& to_address = "", bool confirm = true);
  std::optional<NameRecord> name_show(const std::string& name) const;

  // Bulk generation (tests/support/bulk_wallet.h): mines one block per entry
  // holding exactly its transactions, which the caller built valid against
  // the chain (in-block dependencies in order), bypassing the mempool; each
  // coinbase claims the subsidy plus the entry's `fees`.
  struct PreparedBlock {
    std::vector<chain::Transaction> txs;
    int64_t fees = 0;
  };
  void mine_prepared(const std::vector<PreparedBlock>& blocks);

  // Submits a transaction as blockchain.transaction.broadcast does. Returns
  // the reject reason, or nullopt when accepted.
  std::optional<std::string> broadcast(const chain::Transaction& tx);
  // The raw transaction (mempool or chain), if known.
  std::optional<chain::Bytes> raw_tx(const std::string& txid_hex) const;
  // Confirmations: 0 in the mempool, -1 unknown.
  int confirmations(const std::string& txid_hex) const;

  // --- misbehaviour and inspection -------------------------------------
  void set_misbehaviour(Misbehaviour m, MisbehaviourScope scope);
  // A hostname whose connections through the SOCKS proxy (ports 50001 TCP,
  // 50002 TLS) always behave as `m`, e.g. "bad-merkle.electrum.test"
  // ("honest.electrum.test" for none: immune to set_misbehaviour).
  std::string misbehaving_host(Misbehaviour m);
  SocksServer& socks() { return *socks_; }
  ElectrumServer& electrum() { return *electrum_; }

  // Runs `f` with the chain, mempool and wallet locked (tests that build
  // their own transactions use this).
  template <typename F>
  auto with_state(F&& f) {
    std::lock_guard lk(mu_);
    return f(chain_, mempool_, wallet_);
  }
  // A consistent snapshot of what the Electrum server serves.
  std::shared_ptr<const ElectrumIndex> index() const;
  const UniverseOptions& options() const { return opts_; }

  // One control-protocol command (see README): returns the JSON reply.
  nlohmann::json control(const std::string& line);

 private:
  std::vector<std::string> mine_locked(int n, const chain::Bytes& script);
  std::string pay_locked(const chain::Bytes& script, int64_t amount, int32_t version,
                         const std::vector<chain::TxOut>& extra_outputs,
                         const std::optional<chain::OutPoint>& name_input);
  void changed();

  UniverseOptions opts_;
  UniverseEndpoints endpoints_;
  mutable std::mutex mu_;
  RegtestChain chain_;
  Mempool mempool_;
  TestWallet wallet_;
  chain::Bytes mining_script_;
  uint32_t reorg_counter_ = 0;
  // Pending registrations of the universe's own names: salt by name.
  std::map<std::string, chain::Bytes> salts_;
  mutable std::shared_ptr<const ElectrumIndex> index_;
  std::map<std::string, std::vector<ElectrumIndex::Confirmed>> orphaned_name_history_;

  std::unique_ptr<ElectrumMethods> methods_;
  std::unique_ptr<ElectrumServer> electrum_;
  std::unique_ptr<SocksServer> socks_;
  std::unique_ptr<ControlServer> control_;
  bool started_ = false;
};

}  // namespace redoubt::testsupport
