#include "netd/session.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace redoubt::netd {
namespace {

Fd make_eventfd() {
  Fd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd) throw NetError(std::string("eventfd failed: ") + std::strerror(errno));
  return fd;
}

void signal_eventfd(int fd) {
  uint64_t one = 1;
  (void)!::write(fd, &one, sizeof one);
}

void drain_eventfd(int fd) {
  uint64_t v;
  (void)!::read(fd, &v, sizeof v);
}

}  // namespace

ElectrumSession::ElectrumSession(Options opts, Listener& listener)
    : opts_(std::move(opts)),
      listener_(listener),
      wake_fd_(make_eventfd()),
      stop_fd_(make_eventfd()) {
  thread_ = std::thread([this] { run(); });
}

ElectrumSession::~ElectrumSession() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  signal_eventfd(stop_fd_.get());
  thread_.join();
}

bool ElectrumSession::call(uint64_t token, std::string method, Json params, Parser parser) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return false;
    queue_.push_back({token, std::move(method), std::move(params), std::move(parser)});
  }
  signal_eventfd(wake_fd_.get());
  return true;
}

void ElectrumSession::run() {
  set_thread_cancel_fd(stop_fd_.get());
  std::string reason;
  try {
    std::unique_ptr<Transport> t = Transport::open(opts_.transport);
    certificate_ = t->certificate();
    serve(*t);
    return;  // stopped by the destructor
  } catch (const NetError& e) {
    reason = e.what();
  } catch (const std::exception& e) {
    // A parser tripping over a type we did not foresee is still the server's fault.
    reason = std::string("the server sent an unexpected reply: ") + e.what();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;  // nobody is listening any more
  }
  const std::string server = to_string(opts_.transport.server);
  if (!ready_) {
    fail_all(server + ": " + reason);
    listener_.on_open_failed(server + ": " + reason);
    return;
  }
  fail_all("connection to " + server + " dropped: " + reason);
  listener_.on_closed("dropped " + server + ": " + reason);
}

void ElectrumSession::serve(Transport& t) {
  const auto timeout = opts_.request_timeout;
  {
    uint64_t id = next_id_++;
    pending_[id] = {0, "server.version",
                    [](const Json& r) -> std::any { return parse_server_version(r); },
                    Clock::now() + timeout};
    t.write_all(make_request(id, "server.version", server_version_params()),
                Clock::now() + timeout);
  }
  LineFramer framer;
  std::string line;
  std::vector<char> buf(size_t{64} * 1024);
  for (;;) {
    Deadline next = Clock::now() + std::chrono::hours(1);
    for (const auto& [id, p] : pending_) {
      if (p.deadline <= Clock::now()) {
        throw ProtocolError("the server did not answer " + p.method + " within " +
                            std::to_string(timeout.count() / 1000.0).substr(0, 5) + " s");
      }
      if (p.deadline < next) next = p.deadline;
    }
    pollfd fds[3] = {
        {t.fd(), static_cast<short>(POLLIN | (t.wants_write() ? POLLOUT : 0)), 0},
        {wake_fd_.get(), POLLIN, 0},
        {stop_fd_.get(), POLLIN, 0},
    };
    int wait_ms = t.pending() ? 0 : ms_until(next);
    int r = ::poll(fds, 3, wait_ms);
    if (r < 0 && errno != EINTR) throw NetError(std::string("poll: ") + std::strerror(errno));
    if (fds[2].revents & POLLIN) return;
    if (fds[1].revents & POLLIN) drain_eventfd(wake_fd_.get());
    if (ready_) send_queued(t);
    if ((fds[0].revents != 0) || t.pending()) {
      // Drain what is there, at most 1 MiB per round so a flooding server
      // cannot keep the thread from seeing stop requests and deadlines.
      for (int round = 0; round < 16; ++round) {
        size_t n = t.read_some(buf.data(), buf.size());
        if (n == 0) break;
        framer.feed(buf.data(), n);
        while (framer.next(line)) {
          handle_line(line);
          if (ready_) send_queued(t);
        }
      }
    }
  }
}

void ElectrumSession::send_queued(Transport& t) {
  std::deque<Queued> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  for (auto& q : batch) {
    if (pending_.size() >= kMaxOutstanding) {
      listener_.on_error(
          q.token, "too many requests in flight (" + std::to_string(kMaxOutstanding) + ")", false);
      continue;
    }
    uint64_t id = next_id_++;
    std::string req = make_request(id, q.method, q.params);
    pending_[id] = {q.token, q.method, std::move(q.parser), Clock::now() + opts_.request_timeout};
    t.write_all(req, Clock::now() + opts_.request_timeout);
  }
}

void ElectrumSession::handle_line(const std::string& line) {
  for (RpcMessage& m : parse_line(line)) {
    if (m.kind == RpcMessage::Kind::notification) {
      if (!ready_) throw ProtocolError("the server sent a notification before server.version");
      if (m.method == "blockchain.headers.subscribe") {
        listener_.on_header(parse_header_notification(m.params));
      } else if (m.method == "blockchain.scripthash.subscribe") {
        listener_.on_status(parse_scripthash_notification(m.params));
      }
      // Other notifications are ignored: we never subscribed to them.
      continue;
    }
    auto it = pending_.find(m.id);
    if (it == pending_.end()) {
      throw ProtocolError("the server answered request " + std::to_string(m.id) +
                          ", which is not outstanding");
    }
    if (m.kind == RpcMessage::Kind::error) {
      Pending p = std::move(it->second);
      pending_.erase(it);
      if (p.token == 0) {
        throw ProtocolError("the server refused server.version: " + m.error_message);
      }
      listener_.on_error(p.token, "the server refused " + p.method + ": " + m.error_message, true);
      continue;
    }
    // ProtocolError: the wrong shape; the call stays pending so that
    // fail_all reports it with the reason the server is dropped.
    std::any value = it->second.parser(m.result);
    Pending p = std::move(it->second);
    pending_.erase(it);
    if (p.token == 0) {
      ready_ = true;
      listener_.on_ready(std::any_cast<const ServerVersion&>(value), certificate_);
    } else {
      listener_.on_result(p.token, std::move(value));
    }
  }
}

void ElectrumSession::fail_all(const std::string& reason) {
  for (auto& [id, p] : pending_) {
    if (p.token != 0) listener_.on_error(p.token, reason, false);
  }
  pending_.clear();
  std::deque<Queued> rest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    rest.swap(queue_);
  }
  for (auto& q : rest) listener_.on_error(q.token, reason, false);
}

}  // namespace redoubt::netd
