// Drives the real `redoubt` interactive mode in a pseudo-terminal: keys in,
// and a minimal VT100 screen model (the sequences the ui writes: cursor
// position, erase, attributes, the alternate screen) to read what it shows.
#pragma once

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

extern char** environ;

namespace redoubt::test {

class VtScreen {
 public:
  VtScreen(int rows, int cols) { resize(rows, cols); }
  void resize(int rows, int cols) {
    rows_ = rows;
    cols_ = cols;
    alt_grid_.assign(static_cast<size_t>(rows), std::string(static_cast<size_t>(cols), ' '));
    main_grid_.assign(static_cast<size_t>(rows), std::string(static_cast<size_t>(cols), ' '));
    r_ = c_ = 0;
  }
  void feed(const std::string& bytes) {
    for (char ch : bytes) step(ch);
  }
  bool alternate() const { return alt_; }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  std::string row(int r) const {
    const auto& g = alt_ ? alt_grid_ : main_grid_;
    if (r < 0 || r >= rows_) return "";
    std::string s = g[static_cast<size_t>(r)];
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }
  std::string text() const {
    std::string all;
    for (int r = 0; r < rows_; ++r) all += row(r) + "\n";
    return all;
  }
  bool contains(const std::string& s) const { return text().find(s) != std::string::npos; }
  // The row holding `s`, or "".
  std::string line_with(const std::string& s) const {
    for (int r = 0; r < rows_; ++r)
      if (row(r).find(s) != std::string::npos) return row(r);
    return "";
  }

 private:
  std::vector<std::string>& grid() { return alt_ ? alt_grid_ : main_grid_; }
  void put(char ch) {
    if (r_ >= rows_) return;
    if (c_ >= cols_) {
      c_ = 0;
      if (++r_ >= rows_) r_ = rows_ - 1;
    }
    grid()[static_cast<size_t>(r_)][static_cast<size_t>(c_++)] = ch;
  }
  void csi(const std::string& params, char final) {
    bool priv = !params.empty() && params[0] == '?';
    std::vector<int> n;
    std::string cur;
    for (char ch : priv ? params.substr(1) : params) {
      if (ch == ';') {
        n.push_back(cur.empty() ? 0 : std::stoi(cur));
        cur.clear();
      } else {
        cur += ch;
      }
    }
    n.push_back(cur.empty() ? 0 : std::stoi(cur));
    if (priv) {
      if (n[0] == 1049) {
        alt_ = final == 'h';
        if (alt_)
          alt_grid_.assign(static_cast<size_t>(rows_),
                           std::string(static_cast<size_t>(cols_), ' '));
      }
      return;
    }
    switch (final) {
      case 'H':
        r_ = std::max(1, n[0]) - 1;
        c_ = (n.size() > 1 ? std::max(1, n[1]) : 1) - 1;
        break;
      case 'K':
        if (r_ < rows_)
          for (int c = c_; c < cols_; ++c)
            grid()[static_cast<size_t>(r_)][static_cast<size_t>(c)] = ' ';
        break;
      case 'J':
        if (n[0] == 2)
          for (auto& l : grid()) l.assign(static_cast<size_t>(cols_), ' ');
        break;
      default:
        break;  // 'm' attributes and the rest: no effect on the text
    }
  }
  void step(char ch) {
    if (state_ == 1) {
      state_ = ch == '[' ? 2 : 0;
      params_.clear();
      return;
    }
    if (state_ == 2) {
      if (ch >= 0x40 && ch <= 0x7e) {
        state_ = 0;
        csi(params_, ch);
      } else {
        params_ += ch;
      }
      return;
    }
    if (ch == 0x1b) {
      state_ = 1;
    } else if (ch == '\r') {
      c_ = 0;
    } else if (ch == '\n') {
      if (++r_ >= rows_) r_ = rows_ - 1;
    } else if (static_cast<unsigned char>(ch) >= 0x20) {
      put(ch);
    }
  }

  int rows_ = 0, cols_ = 0, r_ = 0, c_ = 0, state_ = 0;
  bool alt_ = false;
  std::string params_;
  std::vector<std::string> main_grid_, alt_grid_;
};

// `redoubt` on the slave side of a pty, as a user's shell would run it.
class PtySession {
 public:
  PtySession(const std::vector<std::string>& args, int rows = 24, int cols = 80)
      : screen_(rows, cols) {
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ == 0) {
      execve(argv[0], argv.data(), environ);
      _exit(127);
    }
    tcgetattr(master_, &initial_);
  }
  ~PtySession() {
    // Under the asan preset, a sanitizer report from any process on the
    // terminal (the broker, the ui) fails the test.
    for (const char* bad : {"runtime error:", "Sanitizer", "LeakSanitizer"}) {
      if (raw_.find(bad) != std::string::npos) ADD_FAILURE() << "on the terminal: " << raw_;
    }
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
  }
  const VtScreen& screen() const { return screen_; }
  const termios& initial_modes() const { return initial_; }
  termios modes() const {
    termios t{};
    tcgetattr(master_, &t);
    return t;
  }
  pid_t pid() const { return pid_; }
  const std::string& raw() const { return raw_; }

  void type(const std::string& keys) {
    // One key sequence per write, as a person types: the ui reads each whole.
    if (write(master_, keys.data(), keys.size()) < 0) ADD_FAILURE() << "write to the pty failed";
    pump(50);
  }
  // Reads what the ui writes for `ms` milliseconds.
  void pump(int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      end - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) return;
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) return;
      char buf[8192];
      ssize_t n = read(master_, buf, sizeof buf);
      if (n <= 0) return;  // EIO: every slave fd is closed
      screen_.feed(std::string(buf, static_cast<size_t>(n)));
      if (raw_.size() < (16u << 20)) raw_.append(buf, static_cast<size_t>(n));
    }
  }
  // Pumps until `pred` holds or `timeout_ms` passes.
  bool wait_for(const std::function<bool(const VtScreen&)>& pred, int timeout_ms = 60000) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      if (pred(screen_)) return true;
      pump(100);
    }
    return pred(screen_);
  }
  bool wait_text(const std::string& s, int timeout_ms = 60000) {
    return wait_for([&s](const VtScreen& v) { return v.contains(s); }, timeout_ms);
  }
  // TIOCSWINSZ on the master: the kernel sends SIGWINCH to the foreground
  // process group, as a terminal emulator's resize does.
  void resize(int rows, int cols) {
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    ioctl(master_, TIOCSWINSZ, &ws);
    screen_.resize(rows, cols);
  }
  // Waits for the process to exit (reading its output meanwhile); its code.
  int wait_exit(int timeout_ms = 30000) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int st = 0;
    while (std::chrono::steady_clock::now() < end) {
      pump(100);
      pid_t r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        pump(100);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
    }
    return -1;
  }

 private:
  VtScreen screen_;
  int master_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  termios initial_{};
  std::string raw_;  // everything written to the terminal
};

}  // namespace redoubt::test
