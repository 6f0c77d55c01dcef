// SOCKS5 client: wire format (RFC 1928/1929), the bounded reply parser, the
// reply-code messages, and full handshakes against a tiny scripted proxy.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "netd/error.h"
#include "netd/socks5.h"

namespace redoubt::netd {
namespace {

using State = ConnectReply::State;

TEST(NetdSocks5, GreetingOffersOnlyUserPass) {
  EXPECT_EQ(build_greeting(), (ByteVec{0x05, 0x01, 0x02}));
}

TEST(NetdSocks5, ConnectSendsHostnameUnresolved) {
  std::string onion = "h6qrnwxtwiaahsw4qhk2nbutswwb54vnqso6jrxeuk6nwtfbos7jkoqd.onion";
  ByteVec req = build_connect(onion, 50002);
  ASSERT_EQ(req.size(), 5 + onion.size() + 2);
  EXPECT_EQ(req[3], 0x03);  // ATYP domain
  EXPECT_EQ(req[4], onion.size());
  EXPECT_EQ(std::string(req.begin() + 5, req.end() - 2), onion);
  EXPECT_EQ(req[req.size() - 2], 50002 >> 8);
  EXPECT_EQ(req[req.size() - 1], 50002 & 0xff);
}

TEST(NetdSocks5, ConnectRejectsBadHosts) {
  EXPECT_THROW(build_connect("", 1), UsageError);
  EXPECT_THROW(build_connect(std::string(256, 'a'), 1), UsageError);
  EXPECT_NO_THROW(build_connect(std::string(255, 'a'), 1));
  EXPECT_THROW(build_connect(std::string("a\0b", 3), 1), UsageError);
  EXPECT_THROW(build_connect("evil.com/x", 1), UsageError);
}

TEST(NetdSocks5, AuthLayout) {
  ByteVec a = build_auth({"user", "pw"});
  EXPECT_EQ(a, (ByteVec{0x01, 4, 'u', 's', 'e', 'r', 2, 'p', 'w'}));
  EXPECT_THROW(build_auth({"", "pw"}), UsageError);
  EXPECT_THROW(build_auth({std::string(256, 'u'), "pw"}), UsageError);
}

TEST(NetdSocks5, RandomCredentialsAreFreshHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    SocksCredentials c = random_credentials();
    EXPECT_EQ(c.username.size(), 32u);
    EXPECT_EQ(c.password.size(), 32u);
    EXPECT_EQ(c.username.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(seen.insert(c.username).second);
    EXPECT_TRUE(seen.insert(c.password).second);
  }
}

TEST(NetdSocks5, ReplyParserEveryAddressType) {
  ByteVec v4{0x05, 0x00, 0x00, 0x01, 1, 2, 3, 4, 0x1f, 0x90};
  ByteVec v6(4 + 16 + 2, 0);
  v6[0] = 0x05;
  v6[1] = 0x04;
  v6[3] = 0x04;
  ByteVec dom{0x05, 0xf0, 0x00, 0x03, 3, 'a', 'b', 'c', 0, 80};
  for (const auto& [bytes, code] :
       {std::pair{v4, 0x00}, std::pair{v6, 0x04}, std::pair{dom, 0xf0}}) {
    // Every strict prefix is incomplete and asks for no more than the whole.
    for (size_t n = 0; n < bytes.size(); ++n) {
      ConnectReply r = parse_connect_reply(bytes.data(), n);
      ASSERT_EQ(r.state, State::incomplete) << n;
      EXPECT_GT(r.need, n);
      EXPECT_LE(r.need, bytes.size());
    }
    ByteVec extra = bytes;
    extra.push_back('X');  // the first byte of the tunnelled stream: not consumed
    ConnectReply r = parse_connect_reply(extra.data(), extra.size());
    ASSERT_EQ(r.state, State::complete);
    EXPECT_EQ(r.consumed, bytes.size());
    EXPECT_EQ(r.code, code);
  }
}

TEST(NetdSocks5, ReplyParserRejectsMalformed) {
  ByteVec bad_ver{0x04, 0x00, 0x00, 0x01};
  ByteVec bad_rsv{0x05, 0x00, 0x01, 0x01};
  ByteVec bad_atyp{0x05, 0x00, 0x00, 0x02};
  for (const auto& b : {bad_ver, bad_rsv, bad_atyp}) {
    EXPECT_EQ(parse_connect_reply(b.data(), b.size()).state, State::malformed);
  }
}

TEST(NetdSocks5, ReplyCodesHaveDistinctClearMessages) {
  std::set<std::string> msgs;
  for (int c : {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5,
                0xf6, 0xf7}) {
    std::string m = socks_reply_message(static_cast<uint8_t>(c));
    EXPECT_EQ(m.find("unknown"), std::string::npos) << c;
    EXPECT_TRUE(msgs.insert(m).second) << c;
  }
  EXPECT_NE(socks_reply_message(0x06).find("TTL expired"), std::string::npos);
  EXPECT_NE(socks_reply_message(0x04).find("host unreachable"), std::string::npos);
  EXPECT_NE(socks_reply_message(0xf0).find("onion service not found"), std::string::npos);
  EXPECT_NE(socks_reply_message(0x42).find("unknown SOCKS reply code 66"), std::string::npos);
}

// A scripted proxy on one end of a socketpair: records what it was sent and
// answers with `method`, `auth_status` and a reply of `code` with `atyp`.
struct FakeProxy {
  uint8_t method = 0x02, auth_status = 0x00, code = 0x00, atyp = 0x01;
  bool stall_after_greeting = false;
  ByteVec greeting, auth, request;
  int fd = -1;
  std::thread th;

  void start(int server_fd) {
    fd = server_fd;
    th = std::thread([this] { run(); });
  }
  bool read_n(ByteVec& into, size_t n) {
    size_t old = into.size();
    into.resize(old + n);
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::read(fd, into.data() + old + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }
  void send(const ByteVec& b) { (void)!::write(fd, b.data(), b.size()); }
  void run() {
    if (!read_n(greeting, 2) || !read_n(greeting, greeting[1])) return;
    if (stall_after_greeting) return;
    send({0x05, method});
    if (method != 0x02) return;
    if (!read_n(auth, 2) || !read_n(auth, auth[1] + 1) || !read_n(auth, auth.back())) return;
    send({0x01, auth_status});
    if (auth_status != 0) return;
    if (!read_n(request, 5) || !read_n(request, request[4] + 2)) return;
    ByteVec reply{0x05, code, 0x00, atyp};
    if (atyp == 0x01) reply.insert(reply.end(), {127, 0, 0, 1});
    if (atyp == 0x04) reply.insert(reply.end(), 16, 0);
    if (atyp == 0x03) reply.insert(reply.end(), {4, 'h', 'o', 's', 't'});
    reply.insert(reply.end(), {0x23, 0x28});
    reply.push_back('!');  // first tunnelled byte: must stay unread by the handshake
    send(reply);
  }
  ~FakeProxy() {
    if (th.joinable()) th.join();
    if (fd >= 0) ::close(fd);
  }
};

struct Pair {
  Fd client;
  int server = -1;
  Pair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    client = Fd(sv[0]);
    server = sv[1];
    set_nonblocking(client.get());
  }
};

Deadline soon() {
  return Clock::now() + std::chrono::seconds(5);
}

TEST(NetdSocks5, HandshakeCarriesCredentialsAndHostname) {
  for (uint8_t atyp : {0x01, 0x03, 0x04}) {
    Pair p;
    FakeProxy proxy;
    proxy.atyp = atyp;
    proxy.start(p.server);
    SocksCredentials creds = random_credentials();
    socks5_connect(p.client.get(), "electrum.test", 50002, creds, soon());
    proxy.th.join();
    EXPECT_EQ(proxy.greeting, (ByteVec{0x05, 0x01, 0x02}));
    std::string auth(proxy.auth.begin(), proxy.auth.end());
    EXPECT_NE(auth.find(creds.username), std::string::npos);
    EXPECT_NE(auth.find(creds.password), std::string::npos);
    EXPECT_EQ(proxy.request, build_connect("electrum.test", 50002));
    char c = 0;
    ASSERT_EQ(::read(p.client.get(), &c, 1), 1);
    EXPECT_EQ(c, '!');  // the handshake read exactly the reply, whatever its ATYP
  }
}

TEST(NetdSocks5, RefusalsMappedToMessages) {
  for (uint8_t code : {0x01, 0x04, 0x05, 0x06, 0xf0, 0xf6}) {
    Pair p;
    FakeProxy proxy;
    proxy.code = code;
    proxy.start(p.server);
    try {
      socks5_connect(p.client.get(), "x.onion", 1, random_credentials(), soon());
      FAIL() << "accepted refusal " << int(code);
    } catch (const NetError& e) {
      EXPECT_NE(std::string(e.what()).find(socks_reply_message(code)), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("x.onion:1"), std::string::npos);
    }
  }
}

TEST(NetdSocks5, MethodAndAuthRefusals) {
  {
    Pair p;
    FakeProxy proxy;
    proxy.method = 0xff;
    proxy.start(p.server);
    EXPECT_THROW(socks5_connect(p.client.get(), "a.test", 1, random_credentials(), soon()),
                 NetError);
  }
  {
    Pair p;
    FakeProxy proxy;
    proxy.method = 0x00;  // "no auth" though we did not offer it: isolation would be lost
    proxy.start(p.server);
    EXPECT_THROW(socks5_connect(p.client.get(), "a.test", 1, random_credentials(), soon()),
                 NetError);
  }
  {
    Pair p;
    FakeProxy proxy;
    proxy.auth_status = 0x01;
    proxy.start(p.server);
    EXPECT_THROW(socks5_connect(p.client.get(), "a.test", 1, random_credentials(), soon()),
                 NetError);
  }
}

TEST(NetdSocks5, StalledProxyTimesOut) {
  Pair p;
  FakeProxy proxy;
  proxy.stall_after_greeting = true;
  proxy.start(p.server);
  auto t0 = Clock::now();
  try {
    socks5_connect(p.client.get(), "a.test", 1, random_credentials(),
                   Clock::now() + std::chrono::milliseconds(300));
    FAIL();
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos);
  }
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(3));
}

}  // namespace
}  // namespace redoubt::netd
