#include "sandbox/spawn.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace redoubt::sandbox {
namespace {

// Closes every fd above `first` (close_range exists since Linux 5.9; fall
// back to a loop over the soft limit).
void close_from(int first) {
  if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
  struct rlimit rl;
  int max = (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
                ? static_cast<int>(rl.rlim_cur)
                : 4096;
  for (int fd = first; fd < max; ++fd) close(fd);
}

[[noreturn]] void die(int status) { _exit(status); }

}  // namespace

pid_t spawn(const SpawnSpec& spec) {
  // Build argv and envp before fork: allocation is not async-signal-safe.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) throw SandboxError(std::string("fork failed: ") + strerror(errno));
  if (pid > 0) return pid;

  // --- child: async-signal-safe calls only from here on ---
  // Die with the broker; if it already died between fork and here, exit now.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die(126);
  if (getppid() != parent) die(126);
  // Signals the broker blocked or ignored must not carry over.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);

  if (spec.channel_fd >= 0) {
    // dup2 clears CLOEXEC on the new fd; if it is already 3, clear it by hand.
    if (spec.channel_fd == 3) {
      if (fcntl(3, F_SETFD, 0) != 0) die(126);
    } else if (dup2(spec.channel_fd, 3) != 3) {
      die(126);
    }
  }
  if (!spec.inherit_stdio) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) die(126);
    for (int fd = 0; fd <= 2; ++fd)
      if (dup2(null, fd) != fd) die(126);
  }
  close_from(spec.channel_fd >= 0 ? 4 : 3);

  execve(spec.path.c_str(), argv.data(), envp.data());
  die(127);
}

}  // namespace redoubt::sandbox
