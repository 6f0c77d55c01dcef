// redoubt-ui: the only process that touches the terminal. It asks the broker
// for the command line over IPC, runs the command against the Wallet
// capability, prints the result and exits with the command's exit code.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <iostream>

#include "ipc/child.h"
#include "ipc/sealed_box.h"
#include "ipc/wallet.capnp.h"
#include "sandbox/confine.h"
#include "ui/commands.h"
#include "ui/exit_codes.h"
#include "ui/password.h"
#include "ui/tui/app.h"

namespace {

using redoubt::ipc::schema::Ui;

class UiServer final : public Ui::Server {
 public:
  explicit UiServer(const redoubt::sandbox::ConfineReport& report) : report_(report) {}

 protected:
  kj::Promise<void> hello(HelloContext context) override {
    auto info = context.getResults().initInfo();
    info.setProcess("ui");
    info.setPid(getpid());
    info.setVersion(REDOUBT_VERSION);
    auto c = info.initConfinement();
    c.setLandlockAbi(report_.landlock.applied_abi);
    c.setLandlockApplied(redoubt::sandbox::landlock_summary(report_.landlock));
    c.setSeccompApplied(report_.seccomp);
    c.setSeccompPolicy(report_.seccomp ? report_.policy : "");
    c.setApparmorLabel(report_.apparmor_label);
    auto notes = c.initNotes(report_.notes.size());
    for (size_t i = 0; i < report_.notes.size(); ++i) notes.set(i, report_.notes[i]);
    return kj::READY_NOW;
  }

 private:
  const redoubt::sandbox::ConfineReport& report_;
};

}  // namespace

int main() {
  using namespace redoubt;
  // fd 4, when the broker passed one, is the --password-fd: checked first,
  // before the event loop can open an fd of its own there.
  if (fcntl(ui::kSecretFd, F_GETFD) != -1) ui::use_secret_fd(ui::kSecretFd);
  // A password may pass through here on its way to keyd: no core, no ptrace.
  prctl(PR_SET_DUMPABLE, 0);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  // SIGHUP rather than SIGKILL when the broker dies (sandbox/spawn sets
  // SIGKILL): the interactive mode catches it to restore the terminal, then
  // exits; everywhere else its default action ends the process just the same.
  // Set here because prctl is not in the ui's seccomp policy.
  prctl(PR_SET_PDEATHSIG, SIGHUP);
  if (getppid() == 1) return ui::kExitInternal;  // the broker is already gone

  // Sealing secrets to keyd needs OpenSSL ready before the confinement.
  ipc::sealed::warm_up();

  // Filled by lock_down before the broker can ask for it.
  sandbox::ConfineReport report;
  return ipc::run_child(
      [&report](kj::AsyncIoContext&) -> capnp::Capability::Client {
        return kj::heap<UiServer>(report);
      },
      [&report] { report = sandbox::confine_self("ui"); },
      [](ipc::ChildContext& ctx) -> kj::Promise<void> {
        auto wallet = ctx.peer.remote<ipc::schema::Wallet>();
        return wallet.invocationRequest().send().then(
            [&ctx, wallet](auto&& r) mutable -> kj::Promise<void> {
              auto inv = r.getInvocation();
              std::vector<std::string> args;
              for (auto a : inv.getArgs()) args.emplace_back(a.cStr());
              // No command on a terminal: the interactive mode.
              bool tui = args.empty() && inv.getInteractive();
              std::string name = args.empty() ? "help" : args[0];
              if (!args.empty()) args.erase(args.begin());
              // The command context (and its Wallet client) lives exactly as
              // long as the command's promise, inside the event loop.
              auto cmd = kj::heap<ui::CommandContext>(ui::CommandContext{
                  wallet, std::move(args), inv.getJson(), inv.getInteractive(), inv.getAttempt(),
                  ctx.io.provider->getTimer(), inv.getNetwork()});
              auto& ref = *cmd;
              return (tui ? ui::tui::run_interactive(ref, ctx.io.unixEventPort)
                          : ui::run_invocation(ref, name))
                  .then([&ctx](int code) {
                    std::cout.flush();
                    ctx.exit_code = code;
                  })
                  .attach(kj::mv(cmd));
            });
      });
}
