#include "ui/tui/frame.h"

#include <cstdint>

namespace redoubt::ui::tui {

Frame::Frame(Size size)
    : size_(size),
      lines_(static_cast<size_t>(size.rows)),
      reverse_(static_cast<size_t>(size.rows), false) {}

void Frame::line(int r, const std::string& text, bool reverse) {
  if (r < 0 || r >= size_.rows) return;
  std::string t = text.substr(0, static_cast<size_t>(size_.cols));
  for (char& c : t) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || u >= 0x80) c = '?';  // nothing reaches the terminal raw
  }
  lines_[static_cast<size_t>(r)] = std::move(t);
  reverse_[static_cast<size_t>(r)] = reverse;
}

std::string Frame::render() const {
  std::string out;
  out.reserve(static_cast<size_t>(size_.rows) * (static_cast<size_t>(size_.cols) + 16));
  for (int r = 0; r < size_.rows; ++r) {
    out += "\x1b[" + std::to_string(r + 1) + ";1H";
    // The last cell of the last row is left alone: writing it makes some
    // terminals scroll.
    size_t width = static_cast<size_t>(size_.cols) - (r == size_.rows - 1 ? 1 : 0);
    std::string t = lines_[static_cast<size_t>(r)].substr(0, width);
    if (reverse_[static_cast<size_t>(r)]) {
      out += "\x1b[7m" + pad(t, width) + "\x1b[0m";
    } else {
      out += t;
      out += "\x1b[K";
    }
  }
  return out;
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string progress_bar(uint32_t height, uint32_t target, int width) {
  if (width < 3) width = 3;
  int inner = width - 2;
  uint64_t pct = target == 0 ? 0 : std::min<uint64_t>(100, uint64_t{height} * 100 / target);
  int filled = static_cast<int>(pct * static_cast<uint64_t>(inner) / 100);
  return "[" + std::string(static_cast<size_t>(filled), '#') +
         std::string(static_cast<size_t>(inner - filled), '-') + "] " + std::to_string(height) +
         "/" + std::to_string(target) + " " + std::to_string(pct) + "%";
}

}  // namespace redoubt::ui::tui
