#include "ipc/child.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>

#if defined(__SANITIZE_ADDRESS__)
// ASan builds only, for every child (this object is in each of them):
// LeakSanitizer's exit-time check stops the process with ptrace/prctl, which
// the children's seccomp policies kill (SIGSYS on every clean exit). Leaks in
// the domain code are checked by the in-process tests.
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0";
}
#endif

namespace redoubt::ipc {

int run_child(std::function<capnp::Capability::Client(kj::AsyncIoContext&)> make_bootstrap,
              std::function<void()> lock_down,
              std::function<kj::Promise<void>(ChildContext&)> main_task) {
  auto io = kj::setupAsyncIo();
  // A bootstrap holder: the real capability is created by the caller, which
  // may want the event loop first.
  capnp::Capability::Client bootstrap = make_bootstrap(io);
  Peer peer(*io.lowLevelProvider, kChildFd, kj::mv(bootstrap), kFromBrokerLimits,
            /*is_broker=*/false);
  if (lock_down) {
    try {
      lock_down();
    } catch (const std::exception& e) {
      fprintf(stderr, "confinement failed: %s\n", e.what());
      return 71;
    }
  }
  ChildContext ctx{io, peer};
  int code = 0;
  kj::Promise<void> done = peer.on_disconnect().then(
      [] {},
      [&code](kj::Exception&& e) {
        // A broken connection from the broker is unexpected; report and exit.
        fprintf(stderr, "connection to broker broke: %s\n", e.getDescription().cStr());
        code = 70;
      });
  if (main_task) {
    done =
        done.exclusiveJoin(main_task(ctx).then([&code, &ctx] { code = ctx.exit_code; },
                                               [&code](kj::Exception&& e) {
                                                 fprintf(stderr, "%s\n", e.getDescription().cStr());
                                                 code = 70;
                                               }));
  }
  done.wait(io.waitScope);
  return code;
}

}  // namespace redoubt::ipc
