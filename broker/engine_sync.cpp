// The wallet engine's main server session: header sync (with reorgs),
// address subscriptions, history and verified transactions.
#include "broker/engine.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>

#include "broker/engine_internal.h"
#include "broker/groupings_view.h"
#include "broker/name_policy.h"
#include "broker/spv.h"
#include "chain/address.h"
#include "chain/hash.h"
#include "chain/names.h"
#include "chain/script.h"
#include "netd/servers.h"

namespace redoubt::broker {

using namespace engine_detail;

namespace {
// Transactions of one history fetched at once (two requests each, pipelined
// by netd on the one connection), and addresses synced at once by the first
// discovery (each then nests one at a time): at most 8 x (1 + 2 x 25)
// requests in flight, well under netd's 1,000.
constexpr size_t kFetchWindow = 25;
constexpr size_t kAddressWindow = 8;
}  // namespace

void WalletEngine::start_network() {
  if (!model_ || server_.host.empty()) return;
  session_.reset();
  status_.connected = false;
  headers_busy_ = false;
  status_.pending = 0;
  const unsigned gen = ++session_gen_;
  tasks_.add(run_session().catch_([this, gen](kj::Exception&& e) {
    if (gen != session_gen_) return;
    drop_session(ipc::from_exception(e).what());
  }));
}

kj::Promise<void> WalletEngine::run_session() {
  // After tor restarted, the running netd cannot reach its new socket: have
  // it restarted first (a no-op otherwise).
  if (sup_.restart_netd_if_tor_socket_replaced()) {
    return sup_.netd_ready().then([this] { return run_session(); });
  }
  auto cfg = netd_config_from_env(options_.proxy, schema_network(options_.network));
  auto netd = sup_.network();
  const unsigned gen = session_gen_;
  return configure_netd(netd, cfg)
      .then([this, netd, gen](ProxyReport proxy) mutable {
        status_.proxy = proxy.kind + " " + proxy.address + " (from " + proxy.source + ")";
        notice_("using proxy " + status_.proxy);
        listener_ = std::make_shared<SessionListener>();
        listener_->on_header = [this, gen](uint32_t h, chain::Bytes) {
          if (gen == session_gen_) on_header(h);
        };
        listener_->on_status = [this, gen](chain::Bytes sh, chain::Bytes) {
          if (gen == session_gen_) on_status(std::move(sh));
        };
        listener_->on_closed = [this, gen](std::string reason) {
          if (gen == session_gen_) drop_session("the server connection closed: " + reason);
        };
        auto pinned = store_->pinned_certificate(server_key()).value_or(chain::Bytes{});
        return open_session(netd, server_, pinned, "", listener_);
      })
      .then([this](OpenedSession opened) {
        if (server_.tls && !opened.certificate.empty() &&
            !store_->pinned_certificate(server_key())) {
          // Trust on first use; netd refuses a changed certificate later.
          store_->pin_certificate(server_key(), opened.certificate);
        }
        session_ = std::move(opened.session);
        status_.connected = true;
        status_.error.clear();
        return session_->subscribe_headers();
      })
      .then([this](std::pair<uint32_t, chain::Bytes> tip) {
        status_.server_height = static_cast<int32_t>(tip.first);
        // Counted as pending until the queue is processed, so nobody is told
        // "synced" halfway (a one-shot command would end the tree then).
        status_.pending++;
        return sync_headers();
      })
      .then([this] {
        // The tip cross-check (engine_crosscheck.cpp) runs alongside the
        // address sync; "synced" waits for both, so no send starts unchecked.
        auto checked = run_crosscheck().eagerlyEvaluate(nullptr);
        return subscribe_all(model_->addresses(), kAddressWindow)
            .then([this] { return process_queue(); })
            .then([checked = kj::mv(checked)]() mutable { return kj::mv(checked); });
      })
      .then([this] { return rebroadcast_local(); })
      .then([this] {
        status_.pending--;
        maybe_synced();
      });
}

kj::Promise<void> WalletEngine::sync_headers() {
  return sync_headers_from(0, 0);
}

// Fetches headers from `from` (0: our tip + 1) to the server's tip. When the
// first header does not link to ours (a reorg replaced our tip), it walks
// back in doubling steps (8, 16, 32... blocks) and asks again from there:
// the headers we share are skipped by HeaderChain::connect (a chunk that is
// all ours is below the fork: it goes on up from its end) and the other
// branch is followed only if it has more work, across as many chunks as it
// takes (kBranchPending). A fork deeper than HeaderChain::kMaxForkDepth, or
// any header that does not verify, and the server is dropped.
kj::Promise<void> WalletEngine::sync_headers_from(int32_t from, int32_t back) {
  if (!session_) return kj::READY_NOW;
  int32_t start = from > 0 ? from : chain_->height() + 1;
  status_.height = chain_->height();
  if (start > status_.server_height) {
    headers_busy_ = false;
    return kj::READY_NOW;
  }
  headers_busy_ = true;
  uint32_t count = static_cast<uint32_t>(
      std::min<int64_t>(HeaderChain::kMaxChunk, status_.server_height - start + 1));
  return session_->get_headers(static_cast<uint32_t>(start), count)
      .then([this, start, back](std::vector<chain::Bytes> raw) -> kj::Promise<void> {
        if (raw.empty()) {
          headers_busy_ = false;
          return kj::READY_NOW;
        }
        ConnectResult r = chain_->connect(start, raw);
        switch (r.status) {
          case ConnectResult::Status::kNotConnected: {
            // Never deeper than a branch the header chain can hold.
            const int32_t floor = std::max(1, chain_->height() + 1 - HeaderChain::kMaxForkDepth);
            if (start > floor) {
              int32_t step = back == 0 ? 8 : back * 2;
              return sync_headers_from(std::max(floor, start - step), step);
            }
            headers_busy_ = false;
            ipc::fail(ErrorCode::kVerification,
                      "the server's chain does not join ours within " +
                          std::to_string(chain_->height() + 1 - floor) +
                          " blocks below our tip (height " + std::to_string(chain_->height()) +
                          "): a fork deeper than this wallet follows, or a server of another "
                          "network; nothing was stored and the server was dropped. Use another "
                          "server; if every server shows this chain, restore the seed into a new "
                          "--datadir (its headers are fetched anew)");
          }
          case ConnectResult::Status::kRejected:
            headers_busy_ = false;
            ipc::fail(ErrorCode::kVerification,
                      "the server sent headers that do not verify (height " +
                          std::to_string(r.bad_height) + ": " + r.reason +
                          "); nothing was stored and the server was dropped");
          case ConnectResult::Status::kBranchPending:
            // A branch longer than one chunk: its next chunk decides.
            return sync_headers_from(r.next_height, back);
          case ConnectResult::Status::kReorged:
            notice_("reorganisation: the chain changed above height " +
                    std::to_string(*r.fork_height));
            model_->rollback_above(*r.fork_height);
            break;
          case ConnectResult::Status::kNoChange:
            if (back > 0) {
              // A step back can pass the fork by more than a chunk: a chunk
              // that is all ours lies below it; go on up from its end.
              const int32_t end = start + static_cast<int32_t>(raw.size()) - 1;
              if (end < chain_->height() &&
                  chain_->hash_at(end) == chain::sha256d(chain::ByteSpan(raw.back().data(), 80)))
                return sync_headers_from(end + 1, back);
              // We walked back to where the server's chain forks from ours
              // and its branch has no more work (a race at the tip, or a
              // weaker chain): keep ours; asking again would only loop.
              notice_("the server's chain forks from ours below height " +
                      std::to_string(chain_->height()) + " without more work; keeping ours");
              headers_busy_ = false;
              return kj::READY_NOW;
            }
            break;
          default:
            break;
        }
        status_.height = chain_->height();
        ++sync_steps_;
        if (progress_) progress_(status_);
        return sync_headers_from(0, 0);
      });
}

kj::Promise<void> WalletEngine::subscribe_all(std::vector<AddressRecord> addrs, size_t window) {
  if (!session_ || addrs.empty()) return kj::READY_NOW;
  const size_t n = std::min(addrs.size(), std::max<size_t>(window, 1));
  auto batch = kj::heapArrayBuilder<kj::Promise<void>>(n);
  for (size_t i = 0; i < n; ++i) {
    chain::Bytes sh = scripthash_of(addrs.back().script);
    addrs.pop_back();
    batch.add(session_->subscribe_scripthash(sh).then(
        [this, sh](chain::Bytes status) -> kj::Promise<void> {
          if (status.empty()) return kj::READY_NOW;  // never used
          return sync_scripthash(sh);
        }));
  }
  return kj::joinPromises(batch.finish()).then([this, window, addrs = std::move(addrs)]() mutable {
    return subscribe_all(std::move(addrs), window);
  });
}

// A history entry's transaction, verified (hash, and merkle proof when
// confirmed), not yet applied.
struct WalletEngine::FetchedTx {
  chain::Transaction tx;
  int32_t height = kUnconfirmedHeight;
  int32_t position = -1;
  bool verified = false;
};

kj::Promise<void> WalletEngine::sync_scripthash(chain::Bytes sh) {
  if (!session_) return kj::READY_NOW;
  status_.pending++;
  return session_->get_history(sh)
      .then([this](std::vector<UnverifiedHistoryEntry> entries) {
        std::vector<std::pair<chain::Hash256, int32_t>> to_fetch;
        for (const auto& e : entries) {
          auto known = model_->transaction(e.txid);
          int32_t h = e.height > 0 ? e.height : kUnconfirmedHeight;
          if (known && known->height == h && (h == 0 || known->verified)) {
            if (known->local) model_->mark_listed(e.txid);  // a server has it now
            continue;
          }
          to_fetch.emplace_back(e.txid, h);
        }
        // Fetch a window at once, verify each, then apply them in history
        // order; one that fails verification drops the server and none of
        // its window is stored.
        kj::Promise<void> chain = kj::READY_NOW;
        for (size_t i = 0; i < to_fetch.size(); i += kFetchWindow) {
          std::vector<std::pair<chain::Hash256, int32_t>> window(
              to_fetch.begin() + static_cast<ptrdiff_t>(i),
              to_fetch.begin() +
                  static_cast<ptrdiff_t>(std::min(to_fetch.size(), i + kFetchWindow)));
          chain = chain
                      .then([this, window = std::move(window)] {
                        auto fetches = kj::heapArrayBuilder<kj::Promise<FetchedTx>>(window.size());
                        for (const auto& [txid, h] : window) fetches.add(fetch_tx(txid, h));
                        return kj::joinPromises(fetches.finish());
                      })
                      .then([this](kj::Array<FetchedTx> got) {
                        std::vector<AddressRecord> fresh;
                        Store::Relaxed relaxed(*store_);  // verified network data: refetchable
                        for (auto& f : got) {
                          auto applied =
                              model_->apply_transaction(f.tx, f.height, f.position, f.verified,
                                                        false, static_cast<int64_t>(time(nullptr)));
                          fresh.insert(fresh.end(), applied.new_addresses.begin(),
                                       applied.new_addresses.end());
                        }
                        return subscribe_all(std::move(fresh));
                      });
        }
        return chain;
      })
      .then(
          [this] {
            status_.pending--;
            ++sync_steps_;
            maybe_synced();
          },
          [this](kj::Exception&& e) {
            status_.pending--;
            kj::throwFatalException(kj::mv(e));
          });
}

// The transaction and, when confirmed at a height we have verified, its
// merkle proof are asked for together.
kj::Promise<WalletEngine::FetchedTx> WalletEngine::fetch_tx(chain::Hash256 txid, int32_t height) {
  if (height <= 0 || height > chain_->height()) {
    return session_->get_transaction(txid).then([txid](chain::Bytes raw) {
      // Unconfirmed (or above our verified tip): only the hash can be checked.
      SpvVerdict v = verify_tx_bytes(txid, raw);
      if (!v.ok()) {
        ipc::fail(ErrorCode::kVerification,
                  "the server sent a transaction that does not match its txid (" + v.detail + ")");
      }
      return FetchedTx{std::move(*v.tx), kUnconfirmedHeight, -1, false};
    });
  }
  auto merkle = session_->get_merkle(txid, static_cast<uint32_t>(height));
  return session_->get_transaction(txid).then(
      [this, txid, height, merkle = kj::mv(merkle)](chain::Bytes raw) mutable {
        return merkle.then([this, txid, height, raw = std::move(raw)](UnverifiedMerkle m) {
          MerkleProof proof;
          proof.height = static_cast<int32_t>(m.block_height);
          proof.position = m.pos;
          for (const auto& b : m.branch) proof.branch.emplace_back(b.begin(), b.end());
          SpvVerdict v = verify_confirmed_tx(*chain_, txid, raw, height, proof);
          if (!v.ok()) {
            ipc::fail(ErrorCode::kVerification,
                      std::string("the server's proof for a transaction did not verify (") +
                          spv_reason_name(v.reason) + ": " + v.detail +
                          "); nothing was stored and the server was dropped");
          }
          return FetchedTx{std::move(*v.tx), height, static_cast<int32_t>(m.pos), true};
        });
      });
}

void WalletEngine::on_header(uint32_t height) {
  status_.server_height = static_cast<int32_t>(height);
  if (headers_busy_) return;
  status_.pending++;
  tasks_.add(sync_headers()
                 .then([this] { return run_crosscheck(); })
                 .then([this] {
                   // A block confirms what was waiting: refresh the addresses
                   // of unconfirmed or not yet proven transactions (a reorg
                   // just made those above the fork so). Any other change
                   // to a history comes with the server's status
                   // notification (on_status); refreshing every used address
                   // cost 20,000 requests a block on a 20,000-address wallet.
                   kj::Promise<void> p = kj::READY_NOW;
                   for (AddressId id : model_->addresses_awaiting_confirmation()) {
                     const AddressRecord* a = model_->address(id);
                     if (a == nullptr) continue;
                     chain::Bytes sh = scripthash_of(a->script);
                     p = p.then([this, sh] { return sync_scripthash(sh); });
                   }
                   return p;
                 })
                 .then([this] { return process_queue(); })
                 .then([this] {
                   status_.pending--;
                   maybe_synced();
                 })
                 .catch_([this](kj::Exception&& e) {
                   status_.pending--;
                   drop_session(ipc::from_exception(e).what());
                 }));
}

void WalletEngine::on_status(chain::Bytes sh) {
  tasks_.add(sync_scripthash(std::move(sh)).catch_([this](kj::Exception&& e) {
    drop_session(ipc::from_exception(e).what());
  }));
}

}  // namespace redoubt::broker
