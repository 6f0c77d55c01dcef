#include "netd/rpc_server.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>

#include "ipc/errors.h"
#include "netd/session_rpc.h"

namespace redoubt::netd {
namespace schema = ipc::schema;
using ipc::ErrorCode;

namespace {

// Distinct (server, stream id) identities remembered; beyond it the table
// starts over (fresh identities only mean fresh circuits).
constexpr size_t kMaxIdentities = 10'000;

[[noreturn]] void rethrow_as_ipc(const NetError& e) {
  if (dynamic_cast<const UsageError*>(&e)) ipc::fail(ErrorCode::kUsage, e.what());
  ipc::fail(ErrorCode::kNetwork, e.what());
}

}  // namespace

// ---------------------------------------------------------------- Hub

Hub::Hub(kj::LowLevelAsyncIoProvider& io) {
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) throw NetError("eventfd failed");
  event_stream_ = io.wrapInputFd(event_fd_);
  pump_task_ = pump().eagerlyEvaluate([](kj::Exception&& e) {
    fprintf(stderr, "netd: mailbox failed: %s\n", e.getDescription().cStr());
  });
}

Hub::~Hub() {
  pump_task_ = nullptr;
  event_stream_ = nullptr;
  ::close(event_fd_);
}

void Hub::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!::write(event_fd_, &one, sizeof one);
}

kj::Promise<void> Hub::pump() {
  return event_stream_->tryRead(&counter_buf_, 8, 8).then([this](size_t) {
    run_posted();
    return pump();
  });
}

void Hub::run_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) {
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { fn(); })) {
      fprintf(stderr, "netd: event handler failed: %s\n", e->getDescription().cStr());
    }
  }
}

uint64_t Hub::register_session(SessionCore* core) {
  uint64_t id = next_session_++;
  sessions_[id] = core;
  return id;
}

void Hub::unregister_session(uint64_t id) {
  sessions_.erase(id);
}

SessionCore* Hub::find(uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

SocksCredentials Hub::credentials_for(const std::string& host, uint16_t port,
                                      const std::string& stream_id) {
  auto key = std::make_tuple(host, port, stream_id);
  auto it = credentials_.find(key);
  if (it != credentials_.end()) return it->second;
  if (credentials_.size() >= kMaxIdentities) credentials_.clear();
  return credentials_.emplace(key, random_credentials()).first->second;
}

// ---------------------------------------------------------------- Network

NetworkImpl::NetworkImpl(kj::LowLevelAsyncIoProvider& io, const NetdOptions& opts)
    : hub_(io), opts_(opts) {}

kj::Promise<void> NetworkImpl::hello(HelloContext context) {
  auto info = context.getResults().initInfo();
  info.setProcess("netd");
  info.setPid(static_cast<int32_t>(::getpid()));
  info.setVersion("0.1.0");
  auto c = info.initConfinement();
  c.setSeccompApplied(opts_.seccomp_applied);
  c.setSeccompPolicy(opts_.policy);
  c.setLandlockAbi(opts_.landlock_abi);
  c.setLandlockApplied(opts_.landlock_applied);
  c.setApparmorLabel(opts_.apparmor_label);
  auto notes = c.initNotes(static_cast<unsigned>(opts_.confinement_notes.size()));
  for (size_t i = 0; i < opts_.confinement_notes.size(); ++i) {
    notes.set(i, opts_.confinement_notes[i]);
  }
  return kj::READY_NOW;
}

kj::Promise<void> NetworkImpl::configure(ConfigureContext context) {
  auto cfg = context.getParams().getConfig();
  ProxyInputs in;
  in.explicit_proxy = cfg.getProxy();
  in.tor_socks_ipc_path = cfg.getTorSocksIpcPath();
  in.tor_socks_host = cfg.getTorSocksHost();
  in.tor_socks_port = cfg.getTorSocksPort();
  in.tor_transproxy = cfg.getTorTransproxy();
  switch (cfg.getNetwork()) {
    case schema::NetworkId::MAINNET:
      in.network = Network::mainnet;
      break;
    case schema::NetworkId::TESTNET:
      in.network = Network::testnet;
      break;
    case schema::NetworkId::REGTEST:
      in.network = Network::regtest;
      break;
    default:
      ipc::fail(ErrorCode::kUsage, "unknown network");
  }
  if (opts_.network && *opts_.network != in.network) {
    ipc::fail(ErrorCode::kUsage, "configure() names a different network than netd was started for");
  }
  in.system_socket_exists = opts_.system_tor_socket_exists;
  ProxyChoice choice;
  try {
    choice = select_proxy(in);
  } catch (const NetError& e) {
    rethrow_as_ipc(e);
  }
  if (opts_.unix_sockets_only && choice.kind != ProxyKind::unix_socket) {
    ipc::fail(ErrorCode::kUsage,
              std::string("the proxy chosen (") + to_string(choice.kind) + " from " +
                  choice.source +
                  ") needs TCP, but netd runs under the Unix-socket-only policy \"netd\"; "
                  "start it with --policy netd-transproxy for TCP proxies and transproxy mode");
  }
  proxy_ = choice;
  network_ = in.network;
  auto out = context.getResults().initProxy();
  switch (choice.kind) {
    case ProxyKind::unix_socket:
      out.setKind(schema::ProxyKind::UNIX);
      break;
    case ProxyKind::tcp:
      out.setKind(schema::ProxyKind::TCP);
      break;
    case ProxyKind::transproxy:
      out.setKind(schema::ProxyKind::TRANSPROXY);
      break;
    case ProxyKind::none:
      out.setKind(schema::ProxyKind::NONE);
      break;
  }
  out.setAddress(choice.address);
  out.setSource(choice.source);
  return kj::READY_NOW;
}

kj::Promise<void> NetworkImpl::openSession(OpenSessionContext context) {
  if (!proxy_) ipc::fail(ErrorCode::kUsage, "configure the proxy before opening a session");
  auto p = context.getParams();
  ServerAddress server{p.getServer().getHost(), p.getServer().getPort(), p.getServer().getTls()};
  std::string stream_id = p.getStreamId();
  if (stream_id.size() > 255) ipc::fail(ErrorCode::kUsage, "stream id longer than 255 bytes");
  try {
    build_connect(server.host, server.port);  // validates the host before any thread starts
    if (server.port == 0) throw UsageError("server port 0");
  } catch (const NetError& e) {
    rethrow_as_ipc(e);
  }
  ElectrumSession::Options opts;
  opts.transport.proxy = *proxy_;
  opts.transport.server = server;
  opts.transport.credentials = hub_.credentials_for(server.host, server.port, stream_id);
  opts.transport.pinned_certificate =
      ByteVec(p.getPinnedCertificate().begin(), p.getPinnedCertificate().end());
  opts.transport.connect_timeout = opts_.connect_timeout;
  opts.request_timeout = opts_.request_timeout;
  return open_session(hub_, p.getEvents(), std::move(opts))
      .then([context](OpenedSession opened) mutable {
        auto r = context.getResults();
        r.setCertificate(capnp::Data::Reader(opened.certificate.data(), opened.certificate.size()));
        r.setSession(kj::mv(opened.session));
      });
}

}  // namespace redoubt::netd
