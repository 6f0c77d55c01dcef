#include "tests/keyd/keyd_process.h"

#include <capnp/capability.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "sandbox/spawn.h"

namespace redoubt::keyd::test {

std::string keyd_binary() {
  if (const char* dir = std::getenv("REDOUBT_BIN_DIR")) return std::string(dir) + "/redoubt-keyd";
  // `make bench` runs bench programs without ctest's environment: they live
  // in build/bench (tests in build/tests), next to build/bin.
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("REDOUBT_BIN_DIR is not set and /proc/self/exe is unreadable");
  return (self.parent_path().parent_path() / "bin" / "redoubt-keyd").string();
}

std::string make_temp_dir() {
  char tmpl[] = "/tmp/keyd-proc-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::vector<std::string> keyd_argv(const std::string& datadir, int scrypt_cost) {
  return {"redoubt-keyd",
          "--datadir",
          datadir,
          "--network",
          "regtest",
          "--scrypt-test-cost",
          std::to_string(scrypt_cost)};
}

namespace {
ipc::schema::Signer::Client connect(kj::AsyncIoContext& io, std::vector<std::string> argv,
                                    const std::string& policy, const std::string& keystore_dir,
                                    pid_t& pid, std::unique_ptr<ipc::Peer>& peer) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw std::runtime_error("socketpair failed");
  sandbox::SpawnSpec spec;
  spec.path = keyd_binary();
  spec.argv = std::move(argv);
  spec.env = {};  // what the broker gives keyd: nothing
  spec.channel_fd = sv[1];
  if (!policy.empty()) {
    spec.policy = policy;
    spec.params["keystore"] = keystore_dir;
    // The binary lives in the build tree, outside the view's /usr.
    spec.extra_binds.push_back({std::filesystem::path(spec.path).parent_path().string(), false});
  }
  std::string failure;
  pid = sandbox::spawn(spec, &failure);
  if (!failure.empty()) throw std::runtime_error("spawning keyd failed: " + failure);
  close(sv[1]);
  peer = std::make_unique<ipc::Peer>(
      *io.lowLevelProvider, sv[0],
      capnp::Capability::Client(capnp::newBrokenCap("the test broker offers nothing")),
      ipc::kKeydLimits, /*is_broker=*/true);
  return peer->remote<ipc::schema::Signer>();
}
}  // namespace

KeydProcess::KeydProcess(std::vector<std::string> argv, const std::string& policy,
                         const std::string& keystore_dir)
    : io_(kj::setupAsyncIo()),
      signer_(connect(io_, std::move(argv), policy, keystore_dir, pid_, peer_)) {}

std::optional<int> KeydProcess::close_and_wait(int ms) {
  signer_ = ipc::schema::Signer::Client(capnp::newBrokenCap("closed"));
  peer_.reset();
  if (reaped_) return std::nullopt;
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      reaped_ = true;
      return st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

KeydProcess::~KeydProcess() {
  if (!reaped_ && !close_and_wait(3000)) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

chain::Bytes KeydProcess::seal(std::string_view secret, ipc::sealed::Purpose purpose) {
  if (sealing_key_.empty()) {
    auto response = signer_.sealingKeyRequest().send().wait(io_.waitScope);
    auto k = response.getPublicKey();  // points into `response`
    sealing_key_.assign(k.begin(), k.end());
  }
  return ipc::sealed::seal(sealing_key_, chain::as_span(secret), purpose, chain::Network::kRegtest);
}

}  // namespace redoubt::keyd::test
