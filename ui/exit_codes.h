// Exit codes of `redoubt` (the ui's code is the broker's). Documented in the
// README and redoubt(1); scripts depend on them, so never renumber.
#pragma once

namespace redoubt::ui {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // any other failure, with a message
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitLocked = 3;    // wallet locked / no keyd
inline constexpr int kExitNoWallet = 4;  // create or restore first
inline constexpr int kExitBadPassword = 5;
inline constexpr int kExitInsufficientFunds = 6;
inline constexpr int kExitNetwork = 7;       // no proxy, no server
inline constexpr int kExitVerification = 8;  // the network sent data that failed verification
inline constexpr int kExitRefused = 9;       // keyd refused to sign
inline constexpr int kExitConfinement = 10;  // a sandbox layer is weaker than declared
inline constexpr int kExitCorrupt = 11;      // a file failed its integrity check (left untouched)
inline constexpr int kExitNotImplemented = 12;
inline constexpr int kExitInternal = 70;      // a bug (EX_SOFTWARE)
inline constexpr int kExitInterrupted = 130;  // SIGINT
inline constexpr int kExitTerminated = 143;   // SIGTERM

}  // namespace redoubt::ui
