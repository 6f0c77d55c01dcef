#include "tests/support/socks_server.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace redoubt::testsupport {

SocksServer::SocksServer(Options opts) : opts_(std::move(opts)) {}

SocksServer::~SocksServer() {
  stop();
}

void SocksServer::start() {
  listen_ = listen_unix(opts_.socket_path);
  acceptor_ = std::thread([this] { accept_loop(); });
}

void SocksServer::stop() {
  if (stopping_.exchange(true)) return;
  waker_.wake();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lk(mu_);
    // Unblocks every worker's read() and relay poll.
    for (int fd : live_fds_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  listen_.reset();
  ::unlink(opts_.socket_path.c_str());
}

void SocksServer::add_route(SocksRoute r) {
  std::lock_guard lk(mu_);
  routes_.push_back(std::move(r));
}

std::vector<SocksRecord> SocksServer::records() const {
  std::lock_guard lk(mu_);
  return records_;
}

std::vector<SocksRecord> SocksServer::violations() const {
  std::lock_guard lk(mu_);
  std::vector<SocksRecord> v;
  for (const auto& r : records_) {
    if (r.violation) v.push_back(r);
  }
  return v;
}

void SocksServer::clear_records() {
  std::lock_guard lk(mu_);
  records_.clear();
}

void SocksServer::record(const SocksRecord& r) {
  std::lock_guard lk(mu_);
  records_.push_back(r);
}

std::optional<uint16_t> SocksServer::route(const std::string& host, uint16_t port) const {
  std::lock_guard lk(mu_);
  for (const auto& r : routes_) {
    if (r.port != 0 && r.port != port) continue;
    bool match = false;
    if (r.host.starts_with("*.")) {
      std::string_view suffix = std::string_view(r.host).substr(1);  // ".onion"
      match = host.size() > suffix.size() && host.ends_with(suffix);
    } else {
      match = host == r.host;
    }
    if (match) return r.local_port;
  }
  return std::nullopt;
}

void SocksServer::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listen_.get(), POLLIN, 0}, {waker_.read_fd(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (stopping_) return;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lk(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    live_fds_.push_back(fd);
    workers_.emplace_back([this, fd] {
      serve(fd);
      std::lock_guard lk2(mu_);
      live_fds_.erase(std::remove(live_fds_.begin(), live_fds_.end(), fd), live_fds_.end());
      ::close(fd);
    });
  }
}

namespace {
// Reply with BND.ADDR 0.0.0.0:0: clients must not rely on it (Tor sends the same).
void send_reply(int fd, SocksReply code) {
  uint8_t rep[10] = {0x05, static_cast<uint8_t>(code), 0x00, 0x01, 0, 0, 0, 0, 0, 0};
  write_all(fd, std::string_view(reinterpret_cast<char*>(rep), sizeof rep));
}
}  // namespace

void SocksServer::serve(int fd) {
  SocksRecord rec;
  // Method selection (RFC 1928 section 3).
  uint8_t hdr[2];
  if (!read_exact(fd, hdr, 2) || hdr[0] != 0x05 || hdr[1] == 0) return;
  uint8_t methods[255];
  if (!read_exact(fd, methods, hdr[1])) return;
  bool has_userpass = std::find(methods, methods + hdr[1], 0x02) != methods + hdr[1];
  bool has_none = std::find(methods, methods + hdr[1], 0x00) != methods + hdr[1];
  uint8_t chosen = has_userpass ? 0x02 : (has_none && opts_.allow_no_auth ? 0x00 : 0xff);
  uint8_t sel[2] = {0x05, chosen};
  if (!write_all(fd, std::string_view(reinterpret_cast<char*>(sel), 2)) || chosen == 0xff) return;
  rec.method = chosen;

  if (chosen == 0x02) {
    // Username/password sub-negotiation (RFC 1929 section 2).
    uint8_t ver, len;
    if (!read_exact(fd, &ver, 1) || ver != 0x01 || !read_exact(fd, &len, 1)) return;
    rec.username.resize(len);
    if (len && !read_exact(fd, rec.username.data(), len)) return;
    if (!read_exact(fd, &len, 1)) return;
    rec.password.resize(len);
    if (len && !read_exact(fd, rec.password.data(), len)) return;
    uint8_t ok[2] = {0x01, 0x00};
    if (!write_all(fd, std::string_view(reinterpret_cast<char*>(ok), 2))) return;
  }

  // Request (RFC 1928 section 4).
  uint8_t req[4];
  if (!read_exact(fd, req, 4) || req[0] != 0x05) return;
  rec.command = req[1];
  rec.atyp = req[3];
  if (rec.atyp == 0x01) {
    uint8_t a[4];
    if (!read_exact(fd, a, 4)) return;
    char buf[INET_ADDRSTRLEN];
    rec.host = ::inet_ntop(AF_INET, a, buf, sizeof buf);
    rec.violation = true;
  } else if (rec.atyp == 0x04) {
    uint8_t a[16];
    if (!read_exact(fd, a, 16)) return;
    char buf[INET6_ADDRSTRLEN];
    rec.host = ::inet_ntop(AF_INET6, a, buf, sizeof buf);
    rec.violation = true;
  } else if (rec.atyp == 0x03) {
    uint8_t len;
    if (!read_exact(fd, &len, 1)) return;
    rec.host.resize(len);
    if (len && !read_exact(fd, rec.host.data(), len)) return;
  } else {
    rec.reply = static_cast<uint8_t>(SocksReply::address_type_not_supported);
    record(rec);
    send_reply(fd, SocksReply::address_type_not_supported);
    return;
  }
  uint8_t pb[2];
  if (!read_exact(fd, pb, 2)) return;
  rec.port = static_cast<uint16_t>(pb[0] << 8 | pb[1]);

  auto answer = [&](SocksReply code) {
    rec.reply = static_cast<uint8_t>(code);
    record(rec);
    send_reply(fd, code);
  };
  if (rec.command != 0x01) return answer(SocksReply::command_not_supported);

  std::optional<uint16_t> local;
  if (rec.atyp == 0x03) {
    local = route(rec.host, rec.port);
    if (!local) return answer(SocksReply::host_unreachable);
  } else if (opts_.allow_ip_atyp && rec.host == "127.0.0.1") {
    local = rec.port;
  } else {
    // A wallet that resolved a name itself has leaked it: refuse and keep the record.
    return answer(SocksReply::not_allowed);
  }

  Fd upstream;
  try {
    upstream = connect_tcp_loopback(*local);
  } catch (const std::system_error& e) {
    return answer(e.code().value() == ECONNREFUSED ? SocksReply::connection_refused
                                                   : SocksReply::general_failure);
  }
  answer(SocksReply::succeeded);
  {
    std::lock_guard lk(mu_);
    live_fds_.push_back(upstream.get());
  }
  relay(fd, upstream.get());
  std::lock_guard lk(mu_);
  live_fds_.erase(std::remove(live_fds_.begin(), live_fds_.end(), upstream.get()), live_fds_.end());
}

void SocksServer::relay(int a, int b) {
  char buf[16384];
  bool a_open = true, b_open = true;
  while ((a_open || b_open) && !stopping_) {
    pollfd p[2] = {{a, static_cast<short>(a_open ? POLLIN : 0), 0},
                   {b, static_cast<short>(b_open ? POLLIN : 0), 0}};
    int r = ::poll(p, 2, 200);
    if (r < 0 && errno != EINTR) return;
    for (int i = 0; i < 2; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int from = i == 0 ? a : b, to = i == 0 ? b : a;
      ssize_t n = ::read(from, buf, sizeof buf);
      if (n <= 0) {
        // Half-close: pass the EOF on, keep the other direction flowing.
        ::shutdown(to, SHUT_WR);
        (i == 0 ? a_open : b_open) = false;
        if (n < 0) return;
        continue;
      }
      if (!write_all(to, std::string_view(buf, static_cast<size_t>(n)))) return;
    }
  }
}

Fd socks5_connect(const std::string& socket_path, const std::string& host, uint16_t port,
                  const std::string& username, const std::string& password) {
  if (host.size() > 255 || username.size() > 255 || password.size() > 255) {
    throw std::invalid_argument("socks5_connect: field longer than 255 bytes");
  }
  Fd fd = connect_unix(socket_path);
  auto fail = [](const char* what) -> Fd { throw SocksConnectError(0xff, what); };
  std::string hello = {0x05, 0x01, 0x02};
  uint8_t sel[2];
  if (!write_all(fd.get(), hello) || !read_exact(fd.get(), sel, 2)) return fail("no method reply");
  if (sel[0] != 0x05 || sel[1] != 0x02) return fail("proxy refused user/pass auth");
  std::string auth = {0x01, static_cast<char>(username.size())};
  auth += username;
  auth += static_cast<char>(password.size());
  auth += password;
  uint8_t ok[2];
  if (!write_all(fd.get(), auth) || !read_exact(fd.get(), ok, 2)) return fail("no auth reply");
  if (ok[1] != 0x00) return fail("authentication failed");
  std::string req = {0x05, 0x01, 0x00, 0x03, static_cast<char>(host.size())};
  req += host;
  req += static_cast<char>(port >> 8);
  req += static_cast<char>(port & 0xff);
  uint8_t rep[10];
  if (!write_all(fd.get(), req) || !read_exact(fd.get(), rep, 10)) return fail("no CONNECT reply");
  if (rep[1] != 0x00) {
    throw SocksConnectError(rep[1], "SOCKS5 CONNECT refused with reply " + std::to_string(rep[1]));
  }
  return fd;
}

}  // namespace redoubt::testsupport
