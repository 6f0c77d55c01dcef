// One screenful of text, drawn in full on each update with a handful of
// VT100 sequences (cursor position, erase to end of line, reverse video).
#pragma once

#include <string>
#include <vector>

#include "ui/tui/terminal.h"

namespace redoubt::ui::tui {

class Frame {
 public:
  explicit Frame(Size size);
  int rows() const { return size_.rows; }
  int cols() const { return size_.cols; }
  // Sets row `r` (0-based); text beyond the width is cut, control bytes are
  // replaced by '?'. Rows outside the frame are ignored.
  void line(int r, const std::string& text, bool reverse = false);
  // The escape sequences that draw the whole frame.
  std::string render() const;

 private:
  Size size_;
  std::vector<std::string> lines_;
  std::vector<bool> reverse_;
};

// Helpers for laying out text.
std::string pad(const std::string& s, size_t width);
std::string pad_left(const std::string& s, size_t width);
// "[#####-----] 120/240 50%": a progress bar `width` characters wide.
std::string progress_bar(uint32_t height, uint32_t target, int width);

}  // namespace redoubt::ui::tui
