// The interactive mode's terminal: raw mode and the alternate screen with
// plain VT100/ANSI sequences (no terminfo), its size, SIGWINCH, and a restore
// that runs on every way out (return, signal, crash, the broker dying).
#pragma once

#include <string>

namespace redoubt::ui::tui {

struct Size {
  int rows = 24;
  int cols = 80;
};

class Terminal {
 public:
  // Saves the terminal's modes, switches to raw input (no echo, no signals
  // from keys, reads that return at once) and the alternate screen, and
  // installs the handlers that restore it. Throws if stdin is not a terminal.
  Terminal();
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  Size size() const;
  // Read end of the SIGWINCH self-pipe (non-blocking): readable after a resize.
  int winch_fd() const;
  // Drains the SIGWINCH pipe.
  void drain_winch() const;
  // Writes all of `data` to the terminal (stdout).
  static void write_all(const std::string& data);
};

// Puts the terminal back as it was (modes, main screen, cursor). Idempotent
// and async-signal-safe: the signal handlers call it too.
void restore_terminal();

}  // namespace redoubt::ui::tui
