#include "broker/daemon_socket.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace redoubt::broker {
namespace {

std::string err(const std::string& what) {
  return what + ": " + strerror(errno);
}

sockaddr_un socket_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path)
    throw DaemonError("the daemon socket path " + path + " is too long for a Unix socket (" +
                      std::to_string(sizeof a.sun_path - 1) +
                      " bytes at most): use a shorter --datadir");
  memcpy(a.sun_path, path.data(), path.size());
  return a;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The socket's directory must be ours and private: mode 0700 keeps every
// other user from reaching the socket at all (the 0600 socket and the
// SO_PEERCRED check are the second and third walls).
void ensure_private_dir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw DaemonError(err("cannot create " + dir));
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) throw DaemonError(err("cannot inspect " + dir));
  if (!S_ISDIR(st.st_mode)) throw DaemonError(dir + " is not a directory");
  if (st.st_uid != geteuid()) throw DaemonError(dir + " belongs to another user");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    throw DaemonError(dir + " is open to other users (mode " + mode +
                      ", not 700): run 'chmod 700 " + dir + "'");
  }
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t get32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

constexpr uint8_t kMagic[4] = {'R', 'D', 'B', '1'};
constexpr uint32_t kFlagJson = 1, kFlagSecretFd = 2, kFlagEndpoints = 4;

}  // namespace

std::string daemon_socket_path(const Options& o, const char* xdg_runtime_dir) {
  std::string path;
  if (!o.datadir_given && xdg_runtime_dir != nullptr && xdg_runtime_dir[0] == '/') {
    path = std::string(xdg_runtime_dir) + "/redoubt/" + network_name(o.network) + ".sock";
  } else {
    path = o.datadir + "/daemon.sock";
  }
  return path;
}

DaemonListener::DaemonListener(const std::string& path) : path_(path) {
  sockaddr_un addr = socket_address(path);
  ensure_private_dir(parent_of(path));
  // The lock decides who is the daemon; the socket alone cannot (two
  // daemons starting at once would both find it stale).
  std::string lock = path + ".lock";
  lock_fd_ = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd_ < 0) throw DaemonError(err("cannot open " + lock));
  const std::string running =
      "a daemon is already running for this wallet (socket " + path + "); 'redoubt stop' stops it";
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close(lock_fd_);
    lock_fd_ = -1;
    if (e == EWOULDBLOCK) throw DaemonError(running);
    errno = e;
    throw DaemonError(err("cannot lock " + lock));
  }
  try {
    int live = connect_daemon(path);
    if (live >= 0) {
      close(live);
      throw DaemonError(running);
    }
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) throw DaemonError(path + " exists and is not a socket; remove it");
      // Nobody answers there: a daemon that was killed left it behind.
      if (unlink(path.c_str()) != 0)
        throw DaemonError(err("cannot remove the stale socket " + path));
    }
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) throw DaemonError(err("socket"));
    // Created 0600 from the start (umask), not chmod'ed after: there is no
    // moment when another user could connect.
    mode_t old = umask(0177);
    int rc = bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    int e = errno;
    umask(old);
    errno = e;
    if (rc != 0) throw DaemonError(err("cannot bind " + path));
    if (chmod(path.c_str(), 0600) != 0) throw DaemonError(err("cannot chmod " + path));
    if (lstat(path.c_str(), &st) != 0) throw DaemonError(err("cannot inspect " + path));
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    if (listen(fd_, 64) != 0) throw DaemonError(err("cannot listen on " + path));
  } catch (...) {
    close_now();
    close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

DaemonListener::~DaemonListener() {
  close_now();
  if (lock_fd_ >= 0) close(lock_fd_);
}

void DaemonListener::close_now() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
  // Only our own socket: never one a later daemon has bound since.
  struct stat st {};
  if (ino_ != 0 && lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
    unlink(path_.c_str());
}

int connect_daemon(const std::string& path) {
  // No daemon can listen at a path too long for a socket address.
  if (path.size() >= sizeof(sockaddr_un::sun_path)) return -1;
  sockaddr_un addr = socket_address(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw DaemonError(err("socket"));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return fd;
  int e = errno;
  close(fd);
  if (e == ENOENT || e == ECONNREFUSED) return -1;
  errno = e;
  throw DaemonError(err("cannot reach the daemon at " + path));
}

std::vector<uint8_t> encode_request(const ClientRequest& r) {
  std::vector<uint8_t> payload;
  const bool endpoints = !r.server.empty() || !r.proxy.empty();
  std::vector<std::string> args;
  if (endpoints) args = {r.server, r.proxy};
  args.insert(args.end(), r.command.begin(), r.command.end());
  for (const auto& a : args) {
    put32(payload, static_cast<uint32_t>(a.size()));
    payload.insert(payload.end(), a.begin(), a.end());
  }
  if (args.size() > kMaxRequestArgs || payload.size() > kMaxRequestBytes)
    throw DaemonError("the command line is too long for the daemon (" +
                      std::to_string(kMaxRequestBytes) + " bytes at most)");
  std::vector<uint8_t> out(kMagic, kMagic + 4);
  put32(out, (r.json ? kFlagJson : 0) | (r.secret_fd ? kFlagSecretFd : 0) |
                 (endpoints ? kFlagEndpoints : 0));
  put32(out, static_cast<uint32_t>(args.size()));
  put32(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::optional<RequestHeader> decode_header(const uint8_t* p, size_t n) {
  if (n != kRequestHeaderSize || memcmp(p, kMagic, 4) != 0) return std::nullopt;
  RequestHeader h;
  uint32_t flags = get32(p + 4);
  if ((flags & ~(kFlagJson | kFlagSecretFd | kFlagEndpoints)) != 0) return std::nullopt;
  h.flags.json = (flags & kFlagJson) != 0;
  h.flags.secret_fd = (flags & kFlagSecretFd) != 0;
  h.endpoints = (flags & kFlagEndpoints) != 0;
  h.argc = get32(p + 8);
  h.payload = get32(p + 12);
  if (h.argc > kMaxRequestArgs || h.payload > kMaxRequestBytes) return std::nullopt;
  if (h.endpoints && h.argc < 2) return std::nullopt;
  return h;
}

std::optional<std::vector<std::string>> decode_args(const uint8_t* p, size_t n, uint32_t argc) {
  std::vector<std::string> args;
  size_t at = 0;
  for (uint32_t i = 0; i < argc; ++i) {
    if (n - at < 4) return std::nullopt;
    uint32_t len = get32(p + at);
    at += 4;
    if (len > n - at) return std::nullopt;
    args.emplace_back(reinterpret_cast<const char*>(p + at), len);
    at += len;
  }
  if (at != n) return std::nullopt;
  return args;
}

void send_request(int sock, const ClientRequest& r, const std::vector<int>& fds) {
  std::vector<uint8_t> msg = encode_request(r);
  if (fds.empty() || fds.size() > 4) throw DaemonError("send_request: 1 to 4 fds");
  iovec iov{msg.data(), kRequestHeaderSize};
  alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))] = {};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
  cmsghdr* c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
  memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  ssize_t n;
  do {
    n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(kRequestHeaderSize))
    throw DaemonError(err("cannot talk to the daemon"));
  size_t at = kRequestHeaderSize;
  while (at < msg.size()) {
    n = send(sock, msg.data() + at, msg.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw DaemonError(err("cannot talk to the daemon"));
    at += static_cast<size_t>(n);
  }
}

std::optional<PeerCred> peer_cred(int sock) {
  ucred c{};
  socklen_t len = sizeof c;
  if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &c, &len) != 0 || len != sizeof c)
    return std::nullopt;
  return PeerCred{c.pid, c.uid, c.gid};
}

}  // namespace redoubt::broker
