#include "netd/session_rpc.h"

#include <any>
#include <optional>
#include <unordered_map>

#include "ipc/errors.h"
#include "netd/electrum.h"

namespace redoubt::netd {
namespace schema = ipc::schema;
using ipc::ErrorCode;

namespace {

// Callbacks to the broker not yet acknowledged. A server that sends
// notifications faster than the broker takes them is dropped rather than
// letting the queue grow without bound.
constexpr size_t kMaxEventsInFlight = 256;

capnp::Data::Reader data_of(const ByteVec& b) {
  return capnp::Data::Reader(b.data(), b.size());
}
ByteVec bytes_of(capnp::Data::Reader d) {
  return ByteVec(d.begin(), d.end());
}

}  // namespace

// One open session: the domain ElectrumSession (its thread) plus the
// main-thread bookkeeping of calls awaiting results and events to deliver.
class SessionCore final : public ElectrumSession::Listener, public kj::TaskSet::ErrorHandler {
 public:
  SessionCore(Hub& hub, schema::SessionEvents::Client events, ElectrumSession::Options opts)
      : hub_(hub), events_(kj::mv(events)), tasks_(*this) {
    id_ = hub_.register_session(this);
    auto paf = kj::newPromiseAndFulfiller<void>();
    opened_ = paf.promise.fork();
    open_fulfiller_ = kj::mv(paf.fulfiller);
    session_ = std::make_unique<ElectrumSession>(std::move(opts), *this);
  }
  ~SessionCore() noexcept override {
    hub_.unregister_session(id_);
    session_.reset();  // joins the thread: no listener call after this
  }

  kj::Promise<void> opened() { return opened_.addBranch(); }
  const ServerVersion& version() const { return version_; }
  const ByteVec& certificate() const { return certificate_; }

  kj::Promise<kj::Own<std::any>> call(std::string method, Json params,
                                      ElectrumSession::Parser parser) {
    if (closed_) {
      return kj::Promise<kj::Own<std::any>>(ipc::make_exception(ErrorCode::kNetwork, *closed_));
    }
    if (calls_.size() >= kMaxOutstanding) {
      return kj::Promise<kj::Own<std::any>>(
          ipc::make_exception(ErrorCode::kNetwork, "too many requests in flight on this session"));
    }
    uint64_t token = next_token_++;
    auto paf = kj::newPromiseAndFulfiller<kj::Own<std::any>>();
    calls_.emplace(token, kj::mv(paf.fulfiller));
    if (!session_->call(token, std::move(method), std::move(params), std::move(parser))) {
      calls_.erase(token);
      return kj::Promise<kj::Own<std::any>>(
          ipc::make_exception(ErrorCode::kNetwork, "the connection to the server has ended"));
    }
    return kj::mv(paf.promise);
  }

  void close(const std::string& reason, bool notify) {
    if (closed_) return;
    closed_ = reason;
    session_.reset();
    for (auto& [token, f] : calls_) f->reject(ipc::make_exception(ErrorCode::kNetwork, reason));
    calls_.clear();
    if (notify) {
      auto req = events_.closedRequest();
      req.setReason(reason);
      tasks_.add(req.send().ignoreResult());
    }
  }

  // --- Listener: session thread. Only values cross to the loop thread. ---
  void on_ready(const ServerVersion& v, const ByteVec& cert) override {
    post([v, cert](SessionCore& c) {
      c.version_ = v;
      c.certificate_ = cert;
      c.open_fulfiller_->fulfill();
    });
  }
  void on_open_failed(const std::string& reason) override {
    post([reason](SessionCore& c) {
      c.closed_ = reason;
      c.open_fulfiller_->reject(ipc::make_exception(ErrorCode::kNetwork, reason));
    });
  }
  void on_result(uint64_t token, std::any value) override {
    post([token, value](SessionCore& c) {
      auto it = c.calls_.find(token);
      if (it == c.calls_.end()) return;
      it->second->fulfill(kj::heap<std::any>(value));
      c.calls_.erase(it);
    });
  }
  void on_error(uint64_t token, const std::string& message, bool server_error) override {
    post([token, message](SessionCore& c) {
      auto it = c.calls_.find(token);
      if (it == c.calls_.end()) return;
      it->second->reject(ipc::make_exception(ErrorCode::kNetwork, message));
      c.calls_.erase(it);
    });
  }
  void on_header(const HeaderTip& tip) override {
    post([tip](SessionCore& c) {
      auto req = c.events_.newHeaderRequest();
      req.setHeight(tip.height);
      req.setHeader(data_of(tip.header));
      c.send_event(req.send().ignoreResult());
    });
  }
  void on_status(const ScripthashNotification& n) override {
    post([n](SessionCore& c) {
      auto req = c.events_.scripthashStatusRequest();
      req.setScripthash(data_of(n.scripthash));
      req.setStatus(data_of(n.status));
      c.send_event(req.send().ignoreResult());
    });
  }
  void on_closed(const std::string& reason) override {
    post([reason](SessionCore& c) { c.close(reason, true); });
  }

  void taskFailed(kj::Exception&& e) override {
    // The broker failed to take an event (it is going away): nothing to do.
  }

 private:
  void post(std::function<void(SessionCore&)> fn) {
    Hub* hub = &hub_;
    uint64_t id = id_;
    hub_.post([hub, id, fn = std::move(fn)] {
      if (SessionCore* c = hub->find(id)) fn(*c);
    });
  }
  void send_event(kj::Promise<void> p) {
    if (closed_) return;
    if (++events_in_flight_ > kMaxEventsInFlight) {
      close("dropped the server: it sends notifications faster than the wallet takes them", true);
      return;
    }
    tasks_.add(p.then([this] { --events_in_flight_; }));
  }

  Hub& hub_;
  uint64_t id_ = 0;
  schema::SessionEvents::Client events_;
  kj::ForkedPromise<void> opened_{nullptr};
  kj::Own<kj::PromiseFulfiller<void>> open_fulfiller_;
  std::unordered_map<uint64_t, kj::Own<kj::PromiseFulfiller<kj::Own<std::any>>>> calls_;
  uint64_t next_token_ = 1;
  std::optional<std::string> closed_;
  size_t events_in_flight_ = 0;
  ServerVersion version_;
  ByteVec certificate_;
  kj::TaskSet tasks_;
  std::unique_ptr<ElectrumSession> session_;  // reset first in the destructor
};

namespace {

// Validates a 32-byte hash argument from the broker.
ByteVec hash_arg(capnp::Data::Reader d, const char* what) {
  if (d.size() != 32) ipc::fail(ErrorCode::kUsage, std::string(what) + " must be 32 bytes");
  return bytes_of(d);
}

template <typename T>
const T& as(const std::any& v) {
  return std::any_cast<const T&>(v);
}

void fill_history(capnp::List<schema::HistoryEntry>::Builder out,
                  const std::vector<HistoryItem>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    out[i].setTxHash(data_of(items[i].tx_hash));
    out[i].setHeight(items[i].height);
    out[i].setFee(items[i].fee);
  }
}

class SessionImpl final : public schema::Session::Server {
 public:
  SessionImpl(Hub& hub, schema::SessionEvents::Client events, ElectrumSession::Options opts)
      : core_(hub, kj::mv(events), std::move(opts)) {}
  SessionCore& core() { return core_; }

 protected:
  kj::Promise<void> serverInfo(ServerInfoContext context) override {
    auto r = context.getResults();
    r.setServerVersion(core_.version().software);
    r.setProtocol(core_.version().protocol);
    r.setCertificate(data_of(core_.certificate()));
    return kj::READY_NOW;
  }

  kj::Promise<void> headersSubscribe(HeadersSubscribeContext context) override {
    return core_
        .call("blockchain.headers.subscribe", Json::array(),
              [](const Json& r) -> std::any { return parse_header_tip(r); })
        .then([context](kj::Own<std::any> v) mutable {
          const auto& tip = as<HeaderTip>(*v);
          context.getResults().setHeight(tip.height);
          context.getResults().setHeader(data_of(tip.header));
        });
  }

  kj::Promise<void> getHeaders(GetHeadersContext context) override {
    auto p = context.getParams();
    uint32_t start = p.getStartHeight(), count = p.getCount(), cp = p.getCpHeight();
    if (count == 0 || count > kMaxHeadersPerCall) {
      ipc::fail(ErrorCode::kUsage, "ask for 1 to 2016 headers at a time");
    }
    Json params = Json::array({start, count});
    if (cp != 0) params.push_back(cp);
    return core_
        .call("blockchain.block.headers", params,
              [count, cp](const Json& r) -> std::any { return parse_headers(r, count, cp != 0); })
        .then([context](kj::Own<std::any> v) mutable {
          const auto& c = as<HeadersChunk>(*v);
          auto r = context.getResults();
          auto hs = r.initHeaders(static_cast<unsigned>(c.headers.size()));
          for (size_t i = 0; i < c.headers.size(); ++i) hs.set(i, data_of(c.headers[i]));
          r.setRoot(data_of(c.root));
          auto br = r.initBranch(static_cast<unsigned>(c.branch.size()));
          for (size_t i = 0; i < c.branch.size(); ++i) br.set(i, data_of(c.branch[i]));
        });
  }

  kj::Promise<void> subscribeScripthash(SubscribeScripthashContext context) override {
    auto sh = hash_arg(context.getParams().getScripthash(), "script hash");
    return core_
        .call("blockchain.scripthash.subscribe", Json::array({scripthash_param(sh)}),
              [](const Json& r) -> std::any { return parse_status(r); })
        .then([context](kj::Own<std::any> v) mutable {
          context.getResults().setStatus(data_of(as<ByteVec>(*v)));
        });
  }

  kj::Promise<void> unsubscribeScripthash(UnsubscribeScripthashContext context) override {
    auto sh = hash_arg(context.getParams().getScripthash(), "script hash");
    return core_
        .call("blockchain.scripthash.unsubscribe", Json::array({scripthash_param(sh)}),
              [](const Json& r) -> std::any {
                if (!r.is_boolean())
                  throw ProtocolError("the server sent a malformed unsubscribe reply");
                return r.get<bool>();
              })
        .ignoreResult();
  }

  kj::Promise<void> getHistory(GetHistoryContext context) override {
    return history("blockchain.scripthash.get_history", context.getParams().getScripthash(),
                   [context](const std::vector<HistoryItem>& items) mutable {
                     fill_history(context.getResults().initEntries(items.size()), items);
                   });
  }

  kj::Promise<void> getMempool(GetMempoolContext context) override {
    return history("blockchain.scripthash.get_mempool", context.getParams().getScripthash(),
                   [context](const std::vector<HistoryItem>& items) mutable {
                     fill_history(context.getResults().initEntries(items.size()), items);
                   });
  }

  kj::Promise<void> listUnspent(ListUnspentContext context) override {
    auto sh = hash_arg(context.getParams().getScripthash(), "script hash");
    return core_
        .call("blockchain.scripthash.listunspent", Json::array({scripthash_param(sh)}),
              [](const Json& r) -> std::any { return parse_utxos(r); })
        .then([context](kj::Own<std::any> v) mutable {
          const auto& us = as<std::vector<UtxoItem>>(*v);
          auto out = context.getResults().initUtxos(static_cast<unsigned>(us.size()));
          for (size_t i = 0; i < us.size(); ++i) {
            out[i].setTxHash(data_of(us[i].tx_hash));
            out[i].setOutputIndex(us[i].output_index);
            out[i].setHeight(us[i].height);
            out[i].setValue(us[i].value);
          }
        });
  }

  kj::Promise<void> getTransaction(GetTransactionContext context) override {
    auto txid = hash_arg(context.getParams().getTxHash(), "transaction hash");
    return core_
        .call("blockchain.transaction.get", Json::array({chain::to_hex_reversed(txid)}),
              [](const Json& r) -> std::any { return parse_raw_tx(r); })
        .then([context](kj::Own<std::any> v) mutable {
          context.getResults().setRaw(data_of(as<Bytes>(*v)));
        });
  }

  kj::Promise<void> getMerkle(GetMerkleContext context) override {
    auto txid = hash_arg(context.getParams().getTxHash(), "transaction hash");
    uint32_t height = context.getParams().getHeight();
    return core_
        .call("blockchain.transaction.get_merkle",
              Json::array({chain::to_hex_reversed(txid), height}),
              [](const Json& r) -> std::any { return parse_merkle(r); })
        .then([context](kj::Own<std::any> v) mutable {
          const auto& m = as<MerkleProof>(*v);
          auto r = context.getResults();
          r.setBlockHeight(m.block_height);
          r.setPos(m.pos);
          auto br = r.initBranch(static_cast<unsigned>(m.branch.size()));
          for (size_t i = 0; i < m.branch.size(); ++i) br.set(i, data_of(m.branch[i]));
        });
  }

  kj::Promise<void> broadcast(BroadcastContext context) override {
    auto raw = context.getParams().getRawTx();
    if (raw.size() < 10 || raw.size() > 1'000'000) {
      ipc::fail(ErrorCode::kUsage, "a transaction to broadcast is 10 bytes to 1 MB");
    }
    return core_
        .call("blockchain.transaction.broadcast",
              Json::array({chain::to_hex(chain::ByteSpan(raw.begin(), raw.size()))}),
              [](const Json& r) -> std::any { return parse_txid(r); })
        .then([context](kj::Own<std::any> v) mutable {
          context.getResults().setTxHash(data_of(as<Bytes>(*v)));
        });
  }

  kj::Promise<void> estimateFee(EstimateFeeContext context) override {
    uint32_t blocks = context.getParams().getBlocks();
    if (blocks == 0 || blocks > 1008) ipc::fail(ErrorCode::kUsage, "blocks must be 1 to 1008");
    return core_
        .call("blockchain.estimatefee", Json::array({blocks}),
              [](const Json& r) -> std::any { return parse_fee(r); })
        .then([context](kj::Own<std::any> v) mutable {
          context.getResults().setSatPerKvB(as<int64_t>(*v));
        });
  }

  kj::Promise<void> relayFee(RelayFeeContext context) override {
    return core_
        .call("blockchain.relayfee", Json::array(),
              [](const Json& r) -> std::any { return parse_fee(r); })
        .then([context](kj::Own<std::any> v) mutable {
          context.getResults().setSatPerKvB(as<int64_t>(*v));
        });
  }

  kj::Promise<void> ping(PingContext context) override {
    return core_
        .call("server.ping", Json::array(),
              [](const Json& r) -> std::any {
                if (!r.is_null()) throw ProtocolError("the server sent a malformed ping reply");
                return true;
              })
        .ignoreResult();
  }

  kj::Promise<void> close(CloseContext context) override {
    core_.close("the session was closed by the wallet", false);
    return kj::READY_NOW;
  }

 private:
  template <typename Fill>
  kj::Promise<void> history(const char* method, capnp::Data::Reader scripthash, Fill fill) {
    auto sh = hash_arg(scripthash, "script hash");
    return core_
        .call(method, Json::array({scripthash_param(sh)}),
              [](const Json& r) -> std::any { return parse_history(r); })
        .then([fill](kj::Own<std::any> v) mutable { fill(as<std::vector<HistoryItem>>(*v)); });
  }

  SessionCore core_;
};

}  // namespace

kj::Promise<OpenedSession> open_session(Hub& hub, schema::SessionEvents::Client events,
                                        ElectrumSession::Options opts) {
  auto impl = kj::heap<SessionImpl>(hub, kj::mv(events), std::move(opts));
  auto opened = impl->core().opened();
  return opened.then([impl = kj::mv(impl)]() mutable {
    ByteVec cert = impl->core().certificate();
    return OpenedSession{schema::Session::Client(kj::mv(impl)), std::move(cert)};
  });
}

}  // namespace redoubt::netd
