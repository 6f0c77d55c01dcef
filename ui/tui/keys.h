// Keys from the terminal's byte stream: printable characters, Enter, Tab,
// Backspace, Escape, arrows, Page Up/Down, Shift-Tab and Ctrl-C, decoded from the VT100
// sequences every terminal (and SSH) sends.
#pragma once

#include <string>
#include <vector>

namespace redoubt::ui::tui {

struct Key {
  enum Kind {
    kChar,
    kEnter,
    kTab,
    kBackTab,
    kBackspace,
    kEscape,
    kUp,
    kDown,
    kLeft,
    kRight,
    kCtrlC,
    kPageUp,
    kPageDown
  };
  Kind kind = kChar;
  char ch = 0;  // for kChar: a printable ASCII character
};

class KeyDecoder {
 public:
  // Feeds bytes as read; returns the keys they complete. A lone ESC at the
  // end of a read is the Escape key (sequences arrive in one read).
  std::vector<Key> feed(const char* data, size_t n);

 private:
  std::string pending_;
  bool skipping_ = false;
};

}  // namespace redoubt::ui::tui
