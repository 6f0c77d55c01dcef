#include "ui/tui/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace redoubt::ui::tui {
namespace {

// Process-wide because signal handlers need them; only this file touches them.
termios g_saved{};
std::atomic<bool> g_active{false};
int g_winch[2] = {-1, -1};

// Leave the alternate screen, show the cursor, reset attributes.
constexpr char kLeave[] = "\x1b[0m\x1b[?25h\x1b[?1049l";
constexpr char kEnter[] = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";

void on_winch(int) {
  int saved = errno;
  char c = 'w';
  if (g_winch[1] >= 0) (void)!write(g_winch[1], &c, 1);
  errno = saved;
}

// SIGTERM, SIGHUP (the broker died: our PDEATHSIG; or the SSH session
// closed), SIGINT/SIGQUIT (from kill, keys do not send them in raw mode):
// restore and exit.
void on_exit_signal(int sig) {
  restore_terminal();
  _exit(128 + sig);
}

// A crash: restore, then die of the same signal (default action).
void on_crash(int sig) {
  restore_terminal();
  signal(sig, SIG_DFL);
  raise(sig);
}

void install(int sig, void (*fn)(int)) {
  struct sigaction sa {};
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = sig == SIGWINCH ? SA_RESTART : 0;
  sigaction(sig, &sa, nullptr);
}

}  // namespace

void restore_terminal() {
  if (!g_active.exchange(false)) return;
  tcsetattr(0, TCSAFLUSH, &g_saved);
  (void)!write(1, kLeave, sizeof kLeave - 1);
}

Terminal::Terminal() {
  if (!isatty(0) || !isatty(1)) throw std::runtime_error("the interactive mode needs a terminal");
  if (tcgetattr(0, &g_saved) != 0) throw std::runtime_error("cannot read the terminal's modes");
  if (pipe2(g_winch, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  install(SIGWINCH, on_winch);
  for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT}) install(sig, on_exit_signal);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) install(sig, on_crash);
  termios raw = g_saved;
  raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL | INLCR | IGNCR | ISTRIP | BRKINT | PARMRK);
  raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  raw.c_cflag |= CS8;
  // VMIN 0 / VTIME 0: a read returns what is there, or 0 at once. The event
  // loop reads until 0 without putting the shared terminal in O_NONBLOCK
  // (which the shell would inherit if we died).
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  g_active = true;
  if (tcsetattr(0, TCSAFLUSH, &raw) != 0) {
    g_active = false;
    throw std::runtime_error("cannot set the terminal's modes");
  }
  write_all(kEnter);
}

Terminal::~Terminal() {
  restore_terminal();
  signal(SIGWINCH, SIG_DFL);
  for (int& fd : g_winch) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

Size Terminal::size() const {
  winsize ws{};
  Size s;
  if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
    s.rows = ws.ws_row;
    s.cols = ws.ws_col;
  }
  // Bounds: a hostile or broken size must not make the frame huge.
  if (s.rows > 500) s.rows = 500;
  if (s.cols > 1000) s.cols = 1000;
  return s;
}

int Terminal::winch_fd() const {
  return g_winch[0];
}

void Terminal::drain_winch() const {
  char buf[64];
  while (read(g_winch[0], buf, sizeof buf) > 0) {
  }
}

void Terminal::write_all(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(1, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal went away: nothing more to show
    off += static_cast<size_t>(n);
  }
}

}  // namespace redoubt::ui::tui
