#include "ui/tui/keys.h"

namespace redoubt::ui::tui {
namespace {
constexpr size_t kMaxSequence = 32;
}  // namespace

std::vector<Key> KeyDecoder::feed(const char* data, size_t n) {
  pending_.append(data, n);
  std::vector<Key> keys;
  size_t i = 0;
  auto key = [&keys](Key::Kind k, char c = 0) { keys.push_back(Key{k, c}); };
  while (i < pending_.size()) {
    unsigned char c = static_cast<unsigned char>(pending_[i]);
    if (skipping_) {
      // The rest of an over-long sequence: swallowed up to its final byte.
      if (c >= 0x40 && c <= 0x7e) skipping_ = false;
      ++i;
      continue;
    }
    if (c == 0x1b) {
      if (i + 1 >= pending_.size()) {
        key(Key::kEscape);
        ++i;
        continue;
      }
      char next = pending_[i + 1];
      if (next != '[' && next != 'O') {
        key(Key::kEscape);
        ++i;
        continue;
      }
      // CSI / SS3: parameters, then a final byte in 0x40-0x7e.
      size_t j = i + 2;
      while (j < pending_.size() && (pending_[j] < 0x40 || pending_[j] > 0x7e)) ++j;
      if (j >= pending_.size()) {
        if (j - i <= kMaxSequence) break;  // incomplete: wait for more
        skipping_ = true;                  // no key is this long: drop it, kept memory bounded
        i = j;
        continue;
      }
      switch (pending_[j]) {
        case 'A':
          key(Key::kUp);
          break;
        case 'B':
          key(Key::kDown);
          break;
        case 'C':
          key(Key::kRight);
          break;
        case 'D':
          key(Key::kLeft);
          break;
        case 'Z':
          key(Key::kBackTab);
          break;
        case '~':  // ESC [ 5 ~ and ESC [ 6 ~: Page Up, Page Down
          if (j == i + 3 && pending_[i + 2] == '5') key(Key::kPageUp);
          if (j == i + 3 && pending_[i + 2] == '6') key(Key::kPageDown);
          break;
        default:
          break;  // function keys and others: ignored
      }
      i = j + 1;
      continue;
    }
    if (c == '\r' || c == '\n') {
      key(Key::kEnter);
    } else if (c == '\t') {
      key(Key::kTab);
    } else if (c == 0x7f || c == 0x08) {
      key(Key::kBackspace);
    } else if (c == 0x03) {
      key(Key::kCtrlC);
    } else if (c >= 0x20 && c < 0x7f) {
      key(Key::kChar, static_cast<char>(c));
    }  // other control bytes and non-ASCII: ignored
    ++i;
  }
  pending_.erase(0, i);
  return keys;
}

}  // namespace redoubt::ui::tui
