#include "tests/broker/tree_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace redoubt::test {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string bin_dir() {
  const char* d = getenv("REDOUBT_BIN_DIR");
  if (d == nullptr) throw std::runtime_error("REDOUBT_BIN_DIR is not set (run through ctest)");
  return d;
}

std::string make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "redoubt-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

void remove_tree(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::string make_child_dir(const std::string& root, const std::string& keyd_mode,
                           const std::string& netd_mode, const std::string& ui_mode) {
  std::string dir = root + "/children";
  fs::create_directories(dir);
  std::string state = root + "/state";
  fs::create_directories(state);
  // The children run in a private filesystem view: the broker binds the
  // child dir and the directories its symlinks point into (--child-dir), so
  // the fake child is reached through a symlink here.
  fs::create_symlink(bin_dir() + "/../tests/redoubt-fakechild", dir + "/fakechild");
  auto place = [&](const std::string& role, const std::string& mode) {
    std::string target = dir + "/redoubt-" + role;
    if (mode == "real") {
      fs::create_symlink(bin_dir() + "/redoubt-" + role, target);
      return;
    }
    std::ofstream f(target);
    f << "#!/bin/sh\nexec " << dir << "/fakechild " << role << " " << mode << " " << state
      << " \"$@\"\n";
    f.close();
    chmod(target.c_str(), 0755);
  };
  place("keyd", keyd_mode);
  place("netd", netd_mode);
  place("ui", ui_mode);
  return dir;
}

Tree::Tree(const std::string& datadir, const std::string& child_dir,
           std::vector<std::string> args) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  err_path_ = datadir + ".stderr";
  std::vector<std::string> argv = {bin_dir() + "/redoubt", "--datadir", datadir, "--network",
                                   "regtest"};
  if (!child_dir.empty()) {
    argv.push_back("--child-dir");
    argv.push_back(child_dir);
  }
  argv.push_back("--json");
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int rc = posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  if (rc != 0) throw std::runtime_error("cannot start redoubt");
  out_ = p[0];
}

Tree::~Tree() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_ >= 0) close(out_);
}

std::optional<Json> Tree::next_json(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto nl = buf_.find('\n');
    while (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_discarded() && j.is_object()) return j;
      nl = buf_.find('\n');
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{out_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(out_, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;
    buf_.append(chunk, static_cast<size_t>(n));
  }
}

std::optional<Json> Tree::read_document(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{out_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(out_, chunk, sizeof chunk);
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    buf_.append(chunk, static_cast<size_t>(n));
  }
  Json j = Json::parse(buf_, nullptr, /*allow_exceptions=*/false);
  buf_.clear();
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::optional<Json> Tree::wait_for(const std::function<bool(const Json&)>& pred,
                                   std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto j = next_json(left);
    if (!j) return std::nullopt;
    if (pred(*j)) return j;
  }
  return std::nullopt;
}

std::optional<int> Tree::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string Tree::stderr_text() const {
  std::ifstream f(err_path_);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

pid_t role_pid(const Json& info, const std::string& role) {
  for (const auto& p : info.value("processes", Json::array())) {
    if (p.value("role", "") == role) return p.value("pid", 0);
  }
  return 0;
}

bool all_answered(const Json& info) {
  int n = 0;
  for (const auto& p : info.value("processes", Json::array())) {
    if (!p.value("answered", false)) return false;
    ++n;
  }
  return n == 4;
}

bool alive(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  if (!f) return false;
  std::string line;
  std::getline(f, line);
  auto close_paren = line.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= line.size()) return false;
  return line[close_paren + 2] != 'Z';
}

bool wait_gone(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return !alive(pid);
}

pid_t parent_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("PPid:", 0) == 0) return static_cast<pid_t>(std::stol(line.substr(5)));
  }
  return -1;
}

std::vector<int> open_fds(pid_t pid) {
  std::vector<int> fds;
  std::string path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return fds;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    fds.push_back(std::atoi(e->d_name));
  }
  closedir(d);
  std::sort(fds.begin(), fds.end());
  return fds;
}

}  // namespace redoubt::test
