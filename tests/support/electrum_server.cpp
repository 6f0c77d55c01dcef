#include "tests/support/electrum_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace redoubt::testsupport {

using nlohmann::json;

struct ElectrumServer::Session {
  Fd fd;
  SslPtr ssl;
  Waker waker;
  SessionState state;
  std::optional<Misbehaviour> fixed_mode;  // set for a next_connection mode
  uint64_t seen_gen = 0;
  std::string in, out;
  bool closing = false;  // close once `out` is flushed
  bool endless = false;  // endless_line in progress
  uint64_t endless_sent = 0;
};

namespace {
// An endless line stops after this much: the server must stop by itself even
// if a broken client keeps reading forever.
constexpr uint64_t kEndlessLimit = 1ull << 30;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json error_reply(const json& id, int code, const std::string& msg) {
  return json{{"jsonrpc", "2.0"}, {"error", {{"code", code}, {"message", msg}}}, {"id", id}};
}
}  // namespace

ElectrumServer::ElectrumServer(Options opts, ElectrumHandler& handler)
    : opts_(std::move(opts)), handler_(handler) {}

ElectrumServer::~ElectrumServer() {
  stop();
}

void ElectrumServer::start() {
  // A client that hangs up while we write must not kill the test process:
  // OpenSSL writes to the socket without MSG_NOSIGNAL. (Process-wide, but
  // this library only ever runs in tests and redoubt-testnet.)
  ::signal(SIGPIPE, SIG_IGN);
  ssl_ctx_ = make_self_signed_server_ctx(opts_.cert_path, opts_.cert_extra_dns);
  add_listener(opts_.tcp_port, false, std::nullopt);
  add_listener(opts_.tls_port, true, std::nullopt);
  tcp_port_ = listeners_[0]->port;
  tls_port_ = listeners_[1]->port;
  acceptor_ = std::thread([this] { accept_loop(); });
}

void ElectrumServer::add_listener(uint16_t port, bool tls, std::optional<Misbehaviour> mode) {
  auto [fd, actual] = listen_tcp_loopback(port);
  auto l = std::make_unique<Listener>();
  l->fd = std::move(fd);
  l->port = actual;
  l->tls = tls;
  l->mode = mode;
  std::lock_guard lk(mu_);
  listeners_.push_back(std::move(l));
}

std::pair<uint16_t, uint16_t> ElectrumServer::fixed_mode_listeners(Misbehaviour m) {
  {
    std::lock_guard lk(mu_);
    uint16_t tcp = 0, tls = 0;
    for (const auto& l : listeners_) {
      if (l->mode == m) (l->tls ? tls : tcp) = l->port;
    }
    if (tcp && tls) return {tcp, tls};
  }
  add_listener(0, false, m);
  add_listener(0, true, m);
  waker_.wake();  // the acceptor picks the new listeners up
  std::lock_guard lk(mu_);
  size_t n = listeners_.size();
  return {listeners_[n - 2]->port, listeners_[n - 1]->port};
}

void ElectrumServer::stop() {
  if (stopping_.exchange(true)) return;
  waker_.wake();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(mu_);
    for (auto& s : sessions_) s->waker.wake();
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  std::lock_guard lk(mu_);
  sessions_.clear();
  listeners_.clear();
}

void ElectrumServer::notify_changed() {
  ++change_gen_;
  std::lock_guard lk(mu_);
  for (auto& s : sessions_) s->waker.wake();
}

void ElectrumServer::set_misbehaviour(Misbehaviour m, MisbehaviourScope scope) {
  {
    std::lock_guard lk(mu_);
    if (scope == MisbehaviourScope::next_connection) {
      next_mode_ = m;
    } else {
      all_mode_ = m;
      next_mode_.reset();
    }
  }
  notify_changed();
}

Misbehaviour ElectrumServer::current_mode(const Session& s) const {
  if (s.fixed_mode) return *s.fixed_mode;
  std::lock_guard lk(mu_);
  return all_mode_;
}

void ElectrumServer::accept_loop() {
  for (;;) {
    std::vector<pollfd> p;
    std::vector<const Listener*> ls;
    {
      std::lock_guard lk(mu_);
      for (const auto& l : listeners_) {
        p.push_back({l->fd.get(), POLLIN, 0});
        ls.push_back(l.get());
      }
    }
    p.push_back({waker_.read_fd(), POLLIN, 0});
    if (::poll(p.data(), p.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (stopping_) return;
    if (p.back().revents & POLLIN) waker_.drain();
    for (size_t i = 0; i < ls.size(); ++i) {
      if (!(p[i].revents & POLLIN)) continue;
      int fd = ::accept4(ls[i]->fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto s = std::make_shared<Session>();
      s->fd.reset(fd);
      s->state.id = next_id_++;
      s->state.tls = ls[i]->tls;
      s->seen_gen = change_gen_;
      std::lock_guard lk(mu_);
      if (ls[i]->mode) {
        s->fixed_mode = ls[i]->mode;
      } else if (next_mode_) {
        s->fixed_mode = *next_mode_;
        next_mode_.reset();
      }
      sessions_.push_back(s);
      threads_.emplace_back([this, s] {
        run_session(s);
        std::lock_guard lk2(mu_);
        sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), s), sessions_.end());
      });
    }
  }
}

void ElectrumServer::run_session(std::shared_ptr<Session> sp) {
  Session& s = *sp;
  const int fd = s.fd.get();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);

  if (s.state.tls) {
    s.ssl.reset(SSL_new(ssl_ctx_.get()));
    SSL_set_fd(s.ssl.get(), fd);
    for (;;) {
      ERR_clear_error();
      int r = SSL_accept(s.ssl.get());
      if (r == 1) break;
      int err = SSL_get_error(s.ssl.get(), r);
      if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) || stopping_ ||
          std::chrono::steady_clock::now() > deadline) {
        return;
      }
      pollfd p{fd, static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
      ::poll(&p, 1, 100);
    }
  }

  // Reads what is available; false on EOF or a fatal error.
  auto read_some = [&]() -> bool {
    char buf[16384];
    for (;;) {
      ssize_t n;
      if (s.ssl) {
        ERR_clear_error();
        int r = SSL_read(s.ssl.get(), buf, sizeof buf);
        if (r <= 0) {
          int err = SSL_get_error(s.ssl.get(), r);
          return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
        }
        n = r;
      } else {
        n = ::read(fd, buf, sizeof buf);
        if (n == 0) return false;
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      }
      s.in.append(buf, static_cast<size_t>(n));
      if (s.in.size() > opts_.max_request_line + 16384) return true;
    }
  };
  // Writes what the socket takes; false on a fatal error.
  auto write_some = [&](std::string& data) -> bool {
    while (!data.empty()) {
      size_t chunk = std::min<size_t>(data.size(), 1 << 16);
      if (s.ssl) {
        ERR_clear_error();
        int r = SSL_write(s.ssl.get(), data.data(), static_cast<int>(chunk));
        if (r <= 0) {
          int err = SSL_get_error(s.ssl.get(), r);
          return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
        }
        data.erase(0, static_cast<size_t>(r));
      } else {
        ssize_t n = ::send(fd, data.data(), chunk, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        data.erase(0, static_cast<size_t>(n));
      }
    }
    return true;
  };

  while (!stopping_) {
    if (s.endless && s.out.size() < (1 << 16) && s.endless_sent < kEndlessLimit) {
      s.out.append(1 << 16, 'a');
      s.endless_sent += 1 << 16;
    }
    short events = POLLIN;
    if (!s.out.empty()) events |= POLLOUT;
    pollfd p[2] = {{fd, events, 0}, {s.waker.read_fd(), POLLIN, 0}};
    bool pending = s.ssl && SSL_pending(s.ssl.get()) > 0;
    if (!pending && ::poll(p, 2, 200) < 0 && errno != EINTR) break;
    if (stopping_) break;
    if (p[1].revents & POLLIN) s.waker.drain();
    // After the wait: a mode set for all connections applies to whatever
    // this wake-up brings (set_misbehaviour wakes every session).
    Misbehaviour mode = current_mode(s);
    s.state.mode = mode;

    if (s.seen_gen != change_gen_ && mode != Misbehaviour::stall && !s.endless) {
      s.seen_gen = change_gen_;
      collect_notifications(s, s.out);
    }
    if (pending || (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!read_some()) break;
    }
    // Complete request lines.
    size_t nl;
    while (!s.closing && !s.endless && (nl = s.in.find('\n')) != std::string::npos) {
      std::string line = s.in.substr(0, nl);
      s.in.erase(0, nl + 1);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      mode = current_mode(s);  // as of this request
      s.state.mode = mode;
      if (mode == Misbehaviour::drop) {
        s.closing = true;
        s.out.clear();
        break;
      }
      if (mode == Misbehaviour::stall) continue;
      if (mode == Misbehaviour::endless_line) {
        s.endless = true;
        s.out = R"({"jsonrpc": "2.0", "result": ")";
        break;
      }
      bool disconnect = false;
      std::string reply = handle_line(s, line, disconnect);
      if (!reply.empty()) {
        if (mode == Misbehaviour::huge_line && reply.size() > 1) {
          // Valid JSON, only too long: whitespace before the closing bracket.
          std::string pad(opts_.huge_line_bytes, ' ');
          reply.insert(reply.size() - 1, pad);
        }
        s.out += reply;
        s.out += '\n';
      }
      if (disconnect) s.closing = true;
    }
    if (!s.endless && s.in.size() > opts_.max_request_line) break;  // over-long request
    if (!s.out.empty() && !write_some(s.out)) break;
    if (s.closing && s.out.empty()) break;
    if (s.endless && s.endless_sent >= kEndlessLimit && s.out.empty()) break;
  }
  if (s.ssl) SSL_shutdown(s.ssl.get());
  ::shutdown(fd, SHUT_RDWR);
}

void ElectrumServer::collect_notifications(Session& s, std::string& out) {
  try {
    if (s.state.headers_subscribed) {
      json tip = handler_.headers_tip(s.state);
      std::string hex = tip.value("hex", "");
      if (hex != s.state.last_header_sent) {
        s.state.last_header_sent = hex;
        out += dump({{"jsonrpc", "2.0"},
                     {"method", "blockchain.headers.subscribe"},
                     {"params", json::array({tip})}});
        out += '\n';
      }
    }
    for (auto& [sh, last] : s.state.scripthash_subs) {
      json status = handler_.scripthash_status(s.state, sh);
      if (status != last) {
        last = status;
        out += dump({{"jsonrpc", "2.0"},
                     {"method", "blockchain.scripthash.subscribe"},
                     {"params", json::array({sh, status})}});
        out += '\n';
      }
    }
  } catch (const std::exception&) {
    // A notification that cannot be computed is skipped, as ElectrumX does.
  }
}

std::string ElectrumServer::handle_line(Session& s, const std::string& line, bool& disconnect) {
  json req;
  try {
    req = json::parse(line);
  } catch (const json::exception&) {
    return dump(error_reply(nullptr, rpc_code::parse_error, "invalid JSON"));
  }
  if (req.is_array()) {
    if (req.empty()) {
      return dump(error_reply(nullptr, rpc_code::invalid_request, "batch is empty"));
    }
    json replies = json::array();
    for (const auto& r : req) {
      json one = handle_one(s, r, disconnect);
      if (!one.is_null()) replies.push_back(std::move(one));
    }
    return replies.empty() ? std::string() : dump(replies);
  }
  json one = handle_one(s, req, disconnect);
  return one.is_null() ? std::string() : dump(one);
}

json ElectrumServer::handle_one(Session& s, const json& req, bool& disconnect) {
  if (!req.is_object()) {
    return error_reply(nullptr, rpc_code::invalid_request, "request must be an object");
  }
  const bool is_notification = !req.contains("id");
  json id = is_notification ? json(nullptr) : req["id"];
  if (!id.is_null() && !id.is_string() && !id.is_number()) {
    return error_reply(nullptr, rpc_code::invalid_request, "invalid request id");
  }
  auto m = req.find("method");
  if (m == req.end() || !m->is_string()) {
    return error_reply(id, rpc_code::invalid_request, "missing method");
  }
  json params = req.value("params", json::array());
  if (!params.is_array() && !params.is_object()) {
    return error_reply(id, rpc_code::invalid_request, "invalid params");
  }
  json reply;
  try {
    json result = handler_.handle(s.state, m->get<std::string>(), params);
    reply = json{{"jsonrpc", "2.0"}, {"result", std::move(result)}, {"id", id}};
  } catch (const RpcErrorDisconnect& e) {
    disconnect = true;
    reply = error_reply(id, e.code(), e.what());
  } catch (const RpcError& e) {
    reply = error_reply(id, e.code(), e.what());
  } catch (const std::exception& e) {
    reply = error_reply(id, rpc_code::internal_error, std::string("internal error: ") + e.what());
  }
  return is_notification ? json(nullptr) : reply;
}

}  // namespace redoubt::testsupport
