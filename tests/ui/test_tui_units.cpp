// Key decoding from terminal bytes, and frames: what reaches the terminal is
// cut to its width and never carries a control byte from wallet data.
#include <gtest/gtest.h>

#include "ui/tui/frame.h"
#include "ui/tui/keys.h"

namespace redoubt::ui::tui {
namespace {

std::vector<Key::Kind> kinds(const std::vector<Key>& keys) {
  std::vector<Key::Kind> v;
  for (const auto& k : keys) v.push_back(k.kind);
  return v;
}

TEST(KeyDecoder, DecodesArrowsTabsAndCharacters) {
  KeyDecoder d;
  std::string in = "a\x1b[A\x1b[B\x1b[C\x1b[D\t\x1b[Z\r\x7f\x03\x1bOA";
  auto keys = d.feed(in.data(), in.size());
  EXPECT_EQ(kinds(keys), (std::vector<Key::Kind>{Key::kChar, Key::kUp, Key::kDown, Key::kRight,
                                                 Key::kLeft, Key::kTab, Key::kBackTab, Key::kEnter,
                                                 Key::kBackspace, Key::kCtrlC, Key::kUp}));
  EXPECT_EQ(keys[0].ch, 'a');
}

TEST(KeyDecoder, PageUpAndDownButNotOtherTildeKeys) {
  KeyDecoder d;
  std::string in = "\x1b[5~\x1b[6~\x1b[15~\x1b[3~\x1b[65~";  // F5, Delete, junk: ignored
  EXPECT_EQ(kinds(d.feed(in.data(), in.size())),
            (std::vector<Key::Kind>{Key::kPageUp, Key::kPageDown}));
}

TEST(KeyDecoder, LoneEscapeIsEscapeAndSplitSequencesWait) {
  KeyDecoder d;
  EXPECT_EQ(kinds(d.feed("\x1b", 1)), std::vector<Key::Kind>{Key::kEscape});
  // A CSI sequence split across reads completes on the second.
  EXPECT_TRUE(d.feed("\x1b[", 2).empty());
  EXPECT_EQ(kinds(d.feed("B", 1)), std::vector<Key::Kind>{Key::kDown});
}

TEST(KeyDecoder, IgnoresControlAndNonAsciiBytesAndStaysBounded) {
  KeyDecoder d;
  std::string junk = "\x01\x02\xff\xc3\xa9";
  EXPECT_TRUE(d.feed(junk.data(), junk.size()).empty());
  // An unterminated CSI never grows without bound, and decoding resumes.
  std::string endless = "\x1b[" + std::string(10000, '1');
  EXPECT_TRUE(d.feed(endless.data(), endless.size()).empty());
  std::string tail = "~x";
  auto keys = d.feed(tail.data(), tail.size());
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.back().ch, 'x');
}

TEST(Frame, CutsToWidthAndReplacesControlBytes) {
  Frame f(Size{3, 10});
  f.line(0, "0123456789abcdef");
  f.line(1, std::string("a\x1b[2Jb\n\xe2", 8));
  f.line(7, "outside");  // ignored
  std::string out = f.render();
  EXPECT_NE(out.find("\x1b[1;1H0123456789\x1b[K"), std::string::npos) << out;
  EXPECT_EQ(out.find("abcdef"), std::string::npos);
  EXPECT_NE(out.find("a?[2Jb??"), std::string::npos) << "an escape in wallet data is shown as ?";
  EXPECT_EQ(out.find("\x1b[2J"), std::string::npos);
  EXPECT_EQ(out.find("outside"), std::string::npos);
}

TEST(Frame, ProgressBar) {
  EXPECT_EQ(progress_bar(50, 100, 12), "[#####-----] 50/100 50%");
  EXPECT_EQ(progress_bar(0, 0, 7), "[-----] 0/0 0%");
  EXPECT_EQ(progress_bar(300, 100, 7), "[#####] 300/100 100%");
}

}  // namespace
}  // namespace redoubt::ui::tui
