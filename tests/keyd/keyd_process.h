// Test harness: runs the real redoubt-keyd ($REDOUBT_BIN_DIR) with a
// socketpair on fd 3, exactly as the broker does (sandbox::spawn, empty
// environment), and talks schema::Signer to it through ipc::Peer.
#pragma once

#include <sys/types.h>

#include <kj/async-io.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ipc/errors.h"
#include "ipc/peer.h"
#include "ipc/sealed_box.h"
#include "ipc/signer.capnp.h"

namespace redoubt::keyd::test {

std::string keyd_binary();
std::string make_temp_dir();

// The keyd argv for `datadir` on regtest with a weak scrypt cost (the
// regtest-only --scrypt-test-cost flag), plus `extra`.
std::vector<std::string> keyd_argv(const std::string& datadir, int scrypt_cost = 8);

class KeydProcess {
 public:
  // Without a policy keyd confines itself only (confine_self, as main does);
  // with policy "keyd" spawn() also builds its namespaces and private view,
  // as the broker does, binding `keystore_dir` and the build's bin dir.
  explicit KeydProcess(std::vector<std::string> argv, const std::string& policy = "",
                       const std::string& keystore_dir = "");
  ~KeydProcess();
  KeydProcess(const KeydProcess&) = delete;
  KeydProcess& operator=(const KeydProcess&) = delete;

  ipc::schema::Signer::Client& signer() { return signer_; }
  kj::WaitScope& ws() { return io_.waitScope; }
  pid_t pid() const { return pid_; }
  // Closes the broker end (EOF) and returns keyd's wait status, or nullopt
  // if it did not exit within `ms`.
  std::optional<int> close_and_wait(int ms = 5000);

  // `secret` sealed to this keyd's key (asked for once) for `purpose` on
  // regtest, as the ui seals it (ipc/sealed_box.h).
  chain::Bytes seal(std::string_view secret, ipc::sealed::Purpose purpose);

  // Runs `request.send().wait()` and returns the ipc error code it failed
  // with, or nullopt when it succeeded.
  template <typename Request>
  std::optional<ipc::ErrorCode> error_of(Request&& request) {
    try {
      request.send().wait(io_.waitScope);
      return std::nullopt;
    } catch (const kj::Exception& e) {
      return ipc::from_exception(e).code();
    }
  }

 private:
  kj::AsyncIoContext io_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::unique_ptr<ipc::Peer> peer_;
  ipc::schema::Signer::Client signer_;
  chain::Bytes sealing_key_;
};

}  // namespace redoubt::keyd::test
