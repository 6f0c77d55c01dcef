// The Cap'n Proto face of keyd: schema::Signer over keyd/signer. Converts
// schema types to the domain's plain types and KeydError to ipc errors, and
// runs the timer that locks the signer when its unlock time is up.
#pragma once

#include <kj/async-io.h>
#include <kj/timer.h>

#include <array>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ipc/sealed_box.h"
#include "ipc/signer.capnp.h"
#include "keyd/signer.h"

namespace redoubt::keyd {

// What keyd's lock-down applied, for hello() (and `redoubt audit`).
struct ConfinementInfo {
  int landlock_abi = 0;
  std::string landlock_applied = "unavailable";
  bool seccomp_applied = false;
  std::string seccomp_policy = "keyd";
  std::string apparmor_label = "AppArmor not enabled";
  std::vector<std::string> notes;
};

class SignerServer final : public ipc::schema::Signer::Server {
 public:
  // `confinement` is filled in by main's lock_down, after construction and
  // before the first request is read. `sealing` is this process's key pair:
  // every secret arrives sealed to it (ipc/sealed_box.h).
  SignerServer(std::unique_ptr<Signer> signer, kj::Timer& timer,
               std::shared_ptr<const ConfinementInfo> confinement, ipc::sealed::KeyPair sealing);

 protected:
  kj::Promise<void> hello(HelloContext context) override;
  kj::Promise<void> status(StatusContext context) override;
  kj::Promise<void> create(CreateContext context) override;
  kj::Promise<void> restore(RestoreContext context) override;
  kj::Promise<void> unlock(UnlockContext context) override;
  kj::Promise<void> lock(LockContext context) override;
  kj::Promise<void> changePassword(ChangePasswordContext context) override;
  kj::Promise<void> accounts(AccountsContext context) override;
  kj::Promise<void> signTransaction(SignTransactionContext context) override;
  kj::Promise<void> signMessage(SignMessageContext context) override;
  kj::Promise<void> nameSalt(NameSaltContext context) override;
  kj::Promise<void> sealingKey(SealingKeyContext context) override;

 private:
  // Re-arms until the signer's deadline has passed, then locks it.
  kj::Promise<void> lock_when_due();
  // Opens a blob the ui sealed to us for `purpose` on our network. Each
  // blob opens once: its sender key (fresh per blob) is remembered, so a
  // blob read out of the broker cannot be replayed to unlock keyd later.
  chain::SecureBytes open(capnp::Data::Reader blob, ipc::sealed::Purpose purpose);

  std::unique_ptr<Signer> signer_;
  kj::Timer& timer_;
  std::shared_ptr<const ConfinementInfo> confinement_;
  ipc::sealed::KeyPair sealing_;
  std::set<ipc::sealed::PublicKey> opened_;  // sender keys of blobs already opened
  kj::Promise<void> lock_timer_ = kj::READY_NOW;
};

}  // namespace redoubt::keyd
