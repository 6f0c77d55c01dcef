// A stand-in child for supervision tests: answers hello as keyd or netd, or
// misbehaves on purpose (garbage, oversize message, silence, wrong identity).
// Usage: redoubt-fakechild ROLE MODE [STATE_DIR] [ignored broker args...]
// MODE "X-once" misbehaves only on its first start (a marker file in
// STATE_DIR records the first start), then behaves.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "ipc/child.h"
#include "ipc/network.capnp.h"
#include "ipc/signer.capnp.h"

namespace {

using redoubt::ipc::schema::ChildInfo;

void fill(ChildInfo::Builder info, const std::string& role, bool lie) {
  // An impostor claims to be another process.
  info.setProcess(lie ? (role == "keyd" ? "netd" : "keyd") : role);
  info.setPid(getpid());
  info.setVersion("fake");
}

class FakeSigner final : public redoubt::ipc::schema::Signer::Server {
 public:
  explicit FakeSigner(bool lie) : lie_(lie) {}
  kj::Promise<void> hello(HelloContext c) override {
    fill(c.getResults().initInfo(), "keyd", lie_);
    return kj::READY_NOW;
  }

 private:
  bool lie_;
};

class FakeNetwork final : public redoubt::ipc::schema::Network::Server {
 public:
  explicit FakeNetwork(bool lie) : lie_(lie) {}
  kj::Promise<void> hello(HelloContext c) override {
    fill(c.getResults().initInfo(), "netd", lie_);
    return kj::READY_NOW;
  }

 private:
  bool lie_;
};

void write_all(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w <= 0) return;
    c += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::string role = argv[1];
  std::string mode = argv[2];
  if (mode.size() > 5 && mode.substr(mode.size() - 5) == "-once") {
    std::string marker = std::string(argc > 3 ? argv[3] : "/tmp") + "/" + role + ".started";
    int fd = open(marker.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0) {
      mode = "normal";  // not the first start
    } else {
      close(fd);
      mode = mode.substr(0, mode.size() - 5);
    }
  }
  if (mode == "garbage") {
    // Not a Cap'n Proto message: a segment count of 0xffffffff and noise.
    unsigned char junk[4096];
    memset(junk, 0xff, sizeof junk);
    write_all(3, junk, sizeof junk);
    std::this_thread::sleep_for(std::chrono::seconds(60));
    return 0;
  }
  if (mode == "oversize") {
    // A well-formed frame header announcing one 64 MiB segment, then data.
    uint32_t header[2] = {0, 8u * 1024 * 1024};
    write_all(3, header, sizeof header);
    static char chunk[1 << 16];
    memset(chunk, 0, sizeof chunk);
    for (int i = 0; i < 1024; ++i) write_all(3, chunk, sizeof chunk);
    std::this_thread::sleep_for(std::chrono::seconds(60));
    return 0;
  }
  if (mode == "silent") {
    std::this_thread::sleep_for(std::chrono::seconds(60));
    return 0;
  }
  bool lie = mode == "impostor";
  return redoubt::ipc::run_child(
      [&](kj::AsyncIoContext&) -> capnp::Capability::Client {
        if (role == "keyd") return kj::heap<FakeSigner>(lie);
        return kj::heap<FakeNetwork>(lie);
      },
      nullptr);
}
