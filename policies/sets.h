// Syscall groups shared by the per-process policies (Chromium-style named
// sets): each says what needs it, so an auditor can judge every line.
#pragma once

#include "policies/policy.h"

namespace redoubt::policies::sets {

SyscallSet process();     // exit, identity, limits: every process
SyscallSet memory();      // the allocator and the loader's mappings
SyscallSet event_loop();  // kj's epoll loop, eventfd wake-ups, poll
SyscallSet signals();     // kj's signal handling, glibc's abort path
SyscallSet time();        // clocks and sleeps (timers, timeouts)
SyscallSet threads();     // futex and thread lifetime (clone itself is filtered)
SyscallSet fd_io();       // I/O on fds the process already holds
SyscallSet socket_io();   // the broker channel (fd 3) and netd's proxy socket
SyscallSet random();      // getrandom: OpenSSL and libsecp256k1 seeding

// clone() for threads only: CLONE_THREAD|CLONE_VM set, no namespace flags.
ArgRule clone_threads();
// Signals to the process itself only (glibc's abort and raise).
std::vector<ArgRule> signal_self();
// fcntl/ioctl commands kj and glibc use on their own fds.
ArgRule fcntl_basic();
ArgRule ioctl_basic();
// fstat on a held fd (glibc spells it newfstatat with AT_EMPTY_PATH).
ArgRule fstat_fd();

// clone3 cannot be filtered by flags (they sit in a struct in memory):
// ENOSYS makes glibc fall back to clone(), whose flags are checked.
ErrnoRule clone3_enosys();

}  // namespace redoubt::policies::sets
