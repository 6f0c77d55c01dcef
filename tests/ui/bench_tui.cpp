// Cost of the interactive mode's full redraws and of key decoding.
#include <chrono>
#include <cstdio>
#include <string>

#include "ui/tui/frame.h"
#include "ui/tui/keys.h"

using namespace redoubt::ui::tui;

int main() {
  using clock = std::chrono::steady_clock;
  const int kFrames = 2000;
  size_t bytes = 0;
  auto t0 = clock::now();
  for (int i = 0; i < kFrames; ++i) {
    Frame f(Size{60, 200});
    for (int r = 0; r < 60; ++r)
      f.line(r, "  " + std::to_string(i * 60 + r) + "  +1.00000000  3.00000000  " +
                    std::string(64, 'a'));
    bytes += f.render().size();
  }
  double us = std::chrono::duration<double, std::micro>(clock::now() - t0).count() / kFrames;
  printf("bench: tui_redraw_200x60 %.1f us\n", us);
  printf("bench: tui_redraw_200x60_bytes %zu bytes\n", bytes / kFrames);

  std::string keys;
  for (int i = 0; i < 100000; ++i) keys += "a\x1b[A\t\r";
  KeyDecoder d;
  t0 = clock::now();
  size_t n = d.feed(keys.data(), keys.size()).size();
  double ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / n;
  printf("bench: tui_key_decode %.1f ns/key\n", ns);
  return 0;
}
