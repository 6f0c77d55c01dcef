// The daemon socket unit: where the socket lives, how a daemon claims it
// (mode, private directory, one daemon, stale sockets), and the bounded
// request codec a daemon applies to every client.
#include "broker/daemon_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

namespace redoubt::broker {
namespace {

class DaemonSocket : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rdb-sock-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

Options options(const std::string& datadir, bool given) {
  Options o;
  o.datadir = datadir;
  o.network = Network::kRegtest;
  o.datadir_given = given;
  return o;
}

TEST_F(DaemonSocket, PathIsInTheDatadirWhenGivenElseTheRuntimeDir) {
  EXPECT_EQ(daemon_socket_path(options("/d/regtest", true), "/run/user/1"),
            "/d/regtest/daemon.sock");
  EXPECT_EQ(daemon_socket_path(options("/d/regtest", false), "/run/user/1"),
            "/run/user/1/redoubt/regtest.sock");
  EXPECT_EQ(daemon_socket_path(options("/d/regtest", false), nullptr), "/d/regtest/daemon.sock");
  EXPECT_EQ(daemon_socket_path(options("/d/regtest", false), "relative"), "/d/regtest/daemon.sock");
}

TEST_F(DaemonSocket, ListenerMakesA0600SocketAndRemovesItOnClose) {
  const std::string path = dir_ + "/daemon.sock";
  {
    DaemonListener l(path);
    struct stat st {};
    ASSERT_EQ(lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    int c = connect_daemon(path);
    EXPECT_GE(c, 0);
    close(c);
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  EXPECT_EQ(connect_daemon(path), -1);
}

TEST_F(DaemonSocket, ASecondDaemonIsRefused) {
  const std::string path = dir_ + "/daemon.sock";
  DaemonListener first(path);
  try {
    DaemonListener second(path);
    FAIL() << "a second daemon was allowed";
  } catch (const DaemonError& e) {
    EXPECT_NE(std::string(e.what()).find("already running"), std::string::npos) << e.what();
  }
  // The first still serves.
  int c = connect_daemon(path);
  EXPECT_GE(c, 0);
  close(c);
}

TEST_F(DaemonSocket, AStaleSocketIsReplaced) {
  const std::string path = dir_ + "/daemon.sock";
  // A socket bound and closed without unlink: what a killed daemon leaves.
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  memcpy(a.sun_path, path.c_str(), path.size());
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  close(s);
  EXPECT_EQ(connect_daemon(path), -1);  // nobody answers: no daemon
  DaemonListener l(path);
  int c = connect_daemon(path);
  EXPECT_GE(c, 0);
  close(c);
}

TEST_F(DaemonSocket, RefusesADirectoryOthersCanEnterAndANonSocket) {
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  EXPECT_THROW(DaemonListener(dir_ + "/daemon.sock"), DaemonError);
  ASSERT_EQ(chmod(dir_.c_str(), 0700), 0);
  int f = open((dir_ + "/daemon.sock").c_str(), O_CREAT | O_WRONLY, 0600);
  close(f);
  EXPECT_THROW(DaemonListener(dir_ + "/daemon.sock"), DaemonError);
  EXPECT_THROW(DaemonListener(dir_ + "/" + std::string(120, 'x')), DaemonError);
  EXPECT_EQ(connect_daemon(dir_ + "/" + std::string(120, 'x')), -1);
}

TEST(DaemonRequest, RoundTripsThroughSendRequestWithItsFds) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ClientRequest req;
  req.command = {"payto", "", std::string("a\0b", 3), std::string(70000, 'x')};
  req.json = true;
  req.secret_fd = true;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  send_request(sv[0], req, {0, 1, 2, p[0]});

  uint8_t header[kRequestHeaderSize];
  alignas(cmsghdr) char control[CMSG_SPACE(8 * sizeof(int))];
  iovec iov{header, sizeof header};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ASSERT_EQ(recvmsg(sv[1], &mh, MSG_WAITALL), static_cast<ssize_t>(sizeof header));
  cmsghdr* c = CMSG_FIRSTHDR(&mh);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_type, SCM_RIGHTS);
  EXPECT_EQ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int), 4u);
  int fds[4];
  memcpy(fds, CMSG_DATA(c), sizeof fds);
  // The 4th is our pipe: what is written at one end reads at the other.
  ASSERT_EQ(write(p[1], "k", 1), 1);
  char k = 0;
  EXPECT_EQ(read(fds[3], &k, 1), 1);
  EXPECT_EQ(k, 'k');
  for (int fd : fds) close(fd);

  auto h = decode_header(header, sizeof header);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->flags.json);
  EXPECT_TRUE(h->flags.secret_fd);
  ASSERT_EQ(h->argc, 4u);
  std::vector<uint8_t> payload(h->payload);
  ASSERT_EQ(recv(sv[1], payload.data(), payload.size(), MSG_WAITALL),
            static_cast<ssize_t>(payload.size()));
  auto args = decode_args(payload.data(), payload.size(), h->argc);
  ASSERT_TRUE(args);
  EXPECT_EQ(*args, req.command);

  auto cred = peer_cred(sv[1]);
  ASSERT_TRUE(cred);
  EXPECT_EQ(cred->uid, geteuid());
  EXPECT_EQ(cred->pid, getpid());
  for (int fd : {sv[0], sv[1], p[0], p[1]}) close(fd);
}

TEST(DaemonRequest, HeadersOutsideTheBoundsAreRejected) {
  ClientRequest req;
  req.command = {"getinfo"};
  std::vector<uint8_t> ok = encode_request(req);
  ASSERT_TRUE(decode_header(ok.data(), kRequestHeaderSize));
  EXPECT_FALSE(decode_header(ok.data(), kRequestHeaderSize - 1));
  auto with = [&](size_t at, uint32_t v) {
    std::vector<uint8_t> h(ok.begin(), ok.begin() + kRequestHeaderSize);
    for (int i = 0; i < 4; ++i) h[at + i] = static_cast<uint8_t>(v >> (8 * i));
    return decode_header(h.data(), h.size());
  };
  EXPECT_FALSE(with(0, 0x31424452u + 1));  // magic
  EXPECT_FALSE(with(4, 8));                // an unknown flag
  EXPECT_FALSE(with(4, 4));                // endpoints need two arguments; this has one
  EXPECT_FALSE(with(8, kMaxRequestArgs + 1));
  EXPECT_TRUE(with(8, kMaxRequestArgs));
  EXPECT_FALSE(with(12, kMaxRequestBytes + 1));
  EXPECT_FALSE(with(12, 0xffffffffu));
  req.command.assign(kMaxRequestArgs + 1, "");
  EXPECT_THROW(encode_request(req), DaemonError);
}

TEST(DaemonRequest, TheClientsServerAndProxyTravelAheadOfTheCommand) {
  ClientRequest req;
  req.command = {"getbalance"};
  std::vector<uint8_t> plain = encode_request(req);
  auto h = decode_header(plain.data(), kRequestHeaderSize);
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->endpoints) << "none given: the request is as before";
  EXPECT_EQ(h->argc, 1u);
  req.server = "h.onion:50002:s";
  std::vector<uint8_t> m = encode_request(req);
  h = decode_header(m.data(), kRequestHeaderSize);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->endpoints);
  auto args = decode_args(m.data() + kRequestHeaderSize, m.size() - kRequestHeaderSize, h->argc);
  ASSERT_TRUE(args);
  EXPECT_EQ(*args, (std::vector<std::string>{"h.onion:50002:s", "", "getbalance"}));
}

TEST(DaemonRequest, MalformedArgumentsAreRejected) {
  ClientRequest req;
  req.command = {"name_show", "d/x"};
  std::vector<uint8_t> m = encode_request(req);
  const uint8_t* p = m.data() + kRequestHeaderSize;
  const size_t n = m.size() - kRequestHeaderSize;
  ASSERT_TRUE(decode_args(p, n, 2));
  EXPECT_FALSE(decode_args(p, n, 3));                        // fewer than announced
  EXPECT_FALSE(decode_args(p, n, 1));                        // bytes left over
  EXPECT_FALSE(decode_args(p, n - 1, 2));                    // the last one cut short
  EXPECT_FALSE(decode_args(p, 3, 1));                        // a length cut short
  std::vector<uint8_t> big = {0xff, 0xff, 0xff, 0x7f, 'a'};  // a length past the end
  EXPECT_FALSE(decode_args(big.data(), big.size(), 1));
  EXPECT_TRUE(decode_args(nullptr, 0, 0));
}

}  // namespace
}  // namespace redoubt::broker
