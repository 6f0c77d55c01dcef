// Secrets absent from the broker's memory image: the real `redoubt` runs
// create, restore (Electrum, and BIP39 with a passphrase), a password change
// and a payment against the local universe under ptrace (PTRACE_O_TRACEEXIT,
// no hook in production code). At its exit stop every readable mapping is
// read through /proc/PID/mem, and no password, phrase or passphrase may
// occur in it, in UTF-8, UTF-16 or hex. The same scan must find what the
// broker does hold (an address, the destination of the payment), so a scan
// that reads nothing cannot pass. keyd's argv and environment are read while
// it runs.
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_driver.h"

namespace redoubt::test {
namespace {

// A process's readable memory, one string per mapping, as it was at its exit.
struct MemoryImage {
  std::vector<std::string> regions;
  size_t bytes = 0;
  size_t unreadable = 0;    // readable mappings the kernel would not give us
  size_t skipped_huge = 0;  // sanitizer shadow mappings (ASan builds only)

  bool contains(const std::string& needle) const {
    if (needle.empty()) return false;
    std::boyer_moore_horspool_searcher search(needle.begin(), needle.end());
    for (const auto& r : regions)
      if (std::search(r.begin(), r.end(), search) != r.end()) return true;
    return false;
  }
};

MemoryImage read_memory(pid_t pid) {
  MemoryImage img;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  int mem = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (mem < 0) return img;
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    if (perms.empty() || perms[0] != 'r') continue;
    // [vvar] and friends are not backed by readable pages.
    if (line.find("[vvar") != std::string::npos || line.find("[vsyscall]") != std::string::npos)
      continue;
    auto dash = range.find('-');
    uint64_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    uint64_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    // No heap, stack or image mapping is this large; a sanitizer's shadow
    // (metadata about memory, not its contents) is, and is mostly unbacked.
    if (hi - lo > (uint64_t{64} << 30)) {
      ++img.skipped_huge;
      continue;
    }
    std::string region;
    size_t got = 0;
    constexpr size_t kChunk = 16 << 20;
    while (got < hi - lo) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, hi - lo - got));
      region.resize(got + want);
      ssize_t n = pread(mem, region.data() + got, want, static_cast<off_t>(lo + got));
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got == 0) {
      ++img.unreadable;
      continue;
    }
    region.resize(got);
    img.bytes += got;
    img.regions.push_back(std::move(region));
  }
  close(mem);
  return img;
}

// The ways a secret might sit in memory besides its UTF-8 bytes.
std::vector<std::pair<std::string, std::string>> encodings(const std::string& s) {
  std::string le, be, hex, HEX;
  static const char* digits = "0123456789abcdef";
  static const char* DIGITS = "0123456789ABCDEF";
  for (unsigned char c : s) {
    le.push_back(static_cast<char>(c));
    le.push_back('\0');
    be.push_back('\0');
    be.push_back(static_cast<char>(c));
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 15]);
    HEX.push_back(DIGITS[c >> 4]);
    HEX.push_back(DIGITS[c & 15]);
  }
  return {{"utf-8", s}, {"utf-16le", le}, {"utf-16be", be}, {"hex", hex}, {"HEX", HEX}};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Host pids of `pid`'s children (all threads).
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& t :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::istringstream in(read_file(t.path().string() + "/children"));
    pid_t c;
    while (in >> c) out.push_back(c);
  }
  return out;
}

struct TracedRun {
  Result result;
  MemoryImage image;
  bool exit_stop_seen = false;
  std::string keyd_cmdline, keyd_environ;
  bool keyd_seen = false;
};

// Runs argv under ptrace: the child stops itself, we ask for an exit stop,
// note keyd's argv and environment once the broker has spawned it, then
// write `input` (so no secret exists before keyd was inspected) and, at the
// broker's exit stop, read its memory.
TracedRun traced_run(const std::vector<std::string>& args, const std::string& input) {
  TracedRun run;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) abort();
  // Everything exec needs is built before fork: the test process has threads.
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  // LeakSanitizer stops the world with ptrace at exit, which fails in a
  // process that is already traced: off for the traced broker only.
  std::vector<std::string> env_copy;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view(*e).rfind("ASAN_OPTIONS=", 0) != 0) env_copy.emplace_back(*e);
  const char* asan = getenv("ASAN_OPTIONS");
  env_copy.push_back(std::string("ASAN_OPTIONS=") + (asan != nullptr ? asan : "") +
                     (asan != nullptr && *asan != '\0' ? ":" : "") + "detect_leaks=0");
  std::vector<char*> envp;
  for (auto& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  int st = 0;
  if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) abort();
  if (ptrace(PTRACE_SETOPTIONS, pid, nullptr,
             PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL) != 0)
    abort();
  ptrace(PTRACE_CONT, pid, nullptr, nullptr);

  std::thread drain([&run, o = out[0], e = err[0]] {
    // Generous: under ASan one flow takes minutes (the test's timeout is 20).
    read_pipes(o, e, run.result.out, run.result.err, 1200 * 1000);
  });

  bool input_written = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto write_input = [&] {
    if (!input.empty() && write(in[1], input.data(), input.size()) < 0) abort();
    close(in[1]);
    input_written = true;
  };
  for (;;) {
    if (!input_written) {
      // Look for keyd among the broker's children (WNOHANG: the broker runs).
      for (pid_t c : children_of(pid)) {
        std::string cmd = read_file("/proc/" + std::to_string(c) + "/cmdline");
        if (cmd.find("redoubt-keyd") == std::string::npos) continue;
        run.keyd_seen = true;
        run.keyd_cmdline = cmd;
        run.keyd_environ = read_file("/proc/" + std::to_string(c) + "/environ");
      }
      if (run.keyd_seen || std::chrono::steady_clock::now() > deadline) write_input();
    }
    pid_t w = waitpid(pid, &st, input_written ? __WALL : (__WALL | WNOHANG));
    if (w == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (w < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) break;
    if (!WIFSTOPPED(st)) continue;
    int sig = WSTOPSIG(st);
    int event = st >> 16;
    if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) {
      run.exit_stop_seen = true;
      run.image = read_memory(pid);
      sig = 0;
    } else if (sig == SIGTRAP && event != 0) {
      sig = 0;  // the exec event
    }
    ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(sig)));
  }
  if (!input_written) write_input();
  drain.join();
  run.result.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return run;
}

class SecretsMemoryE2E : public E2E {
 protected:
  // The account's extended public key as the wallet database stores it: the
  // broker holds it whenever it has the wallet open, so the scan must find it.
  std::string xpub(const std::string& dir = "") {
    const std::string base = (dir.empty() ? wallet_ : dir) + "/regtest/wallet.db";
    std::string db = read_file(base) + read_file(base + "-wal");
    std::smatch m;
    static const std::regex kXpub("[vt]pub[1-9A-HJ-NP-Za-km-z]{100,}");
    return std::regex_search(db, m, kXpub) ? m.str() : "";
  }
  // Runs a broker command traced; asserts it succeeded, the image was read,
  // and keyd's argv and environment hold none of `secrets`.
  TracedRun traced(const std::vector<std::string>& args, const std::string& input,
                   const std::vector<std::string>& secrets, const std::string& dir = "") {
    TracedRun t = traced_run(argv(args, dir), input);
    EXPECT_EQ(t.result.rc, 0) << t.result.err;
    EXPECT_TRUE(t.exit_stop_seen) << "no exit stop: the memory was not read";
    EXPECT_GT(t.image.bytes, 1u << 20) << "suspiciously little memory read";
#ifndef __SANITIZE_ADDRESS__
    EXPECT_EQ(t.image.skipped_huge, 0u) << "a mapping too large to read, without a sanitizer";
#endif
    EXPECT_TRUE(t.keyd_seen) << "keyd was not found among the broker's children";
    EXPECT_NE(t.keyd_cmdline.find("--network"), std::string::npos) << "keyd's argv was read";
    EXPECT_EQ(t.keyd_environ, "") << "keyd gets an empty environment";
    for (const auto& s : secrets) EXPECT_EQ(t.keyd_cmdline.find(s), std::string::npos) << s;
    return t;
  }
  void expect_absent(const TracedRun& t, const std::vector<std::string>& secrets,
                     const std::string& step) {
    for (const auto& s : secrets)
      for (const auto& [name, bytes] : encodings(s))
        EXPECT_FALSE(t.image.contains(bytes))
            << step << ": the broker's memory holds '" << s << "' (" << name << ")";
  }
};

constexpr char kCreatePw[] = "Seal-Pw-create-7a3f9e21c4";
constexpr char kChangedPw[] = "Seal-Pw-changed-b81d0e55f2";
constexpr char kRestorePw[] = "Seal-Pw-restore-3c9a17e6d0";
constexpr char kBip39Pw[] = "Seal-Pw-bip39-e40f2b9a71";
constexpr char kBip39Passphrase[] = "Seal-Passphrase-9d2c5f0e8b";
// Electrum's published segwit test seed, and a BIP39 test vector.
constexpr char kElectrumPhrase[] =
    "bitter grass shiver impose acquire brush forget axis eager alone wine silver";
constexpr char kBip39Phrase[] =
    "legal winner thank year wave sausage worth useful legal winner thank yellow";

TEST_F(SecretsMemoryE2E, CreateChangePasswordAndPayLeaveNoSecretInTheBroker) {
  // create: the password goes in, the new phrase comes out.
  TracedRun c = traced({"create"}, std::string(kCreatePw) + "\n", {kCreatePw});
  std::string phrase = c.result.json().value("seed", "");
  ASSERT_EQ(std::count(phrase.begin(), phrase.end(), ' '), 11) << c.result.out;
  expect_absent(c, {kCreatePw, phrase}, "create");
  // The control: the broker does hold the account's xpub (keyd sent it
  // back with the sealed phrase), and the scan finds it.
  std::vector<std::string> addrs = receiving();
  ASSERT_FALSE(addrs.empty());
  const std::string account = xpub();
  ASSERT_FALSE(account.empty());
  EXPECT_TRUE(c.image.contains(account)) << "the scan did not find the xpub";

  TracedRun p =
      traced({"password"}, std::string(kCreatePw) + "\n" + kChangedPw + "\n", {kCreatePw});
  expect_absent(p, {kCreatePw, kChangedPw, phrase}, "password");
  EXPECT_TRUE(p.image.contains(account)) << "the scan did not find the xpub";

  universe().fund(addrs[0], 300'000'000, /*confirm=*/true);
  const std::string dest = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";
  TracedRun pay = traced({"payto", dest, "0.5"}, std::string(kChangedPw) + "\n", {kChangedPw});
  ASSERT_FALSE(pay.result.json().value("txid", "").empty()) << pay.result.out;
  expect_absent(pay, {kCreatePw, kChangedPw, phrase}, "payto");
  EXPECT_TRUE(pay.image.contains(dest)) << "the scan did not find the payment's destination";
  EXPECT_TRUE(pay.image.contains(account));
}

TEST_F(SecretsMemoryE2E, RestoreElectrumAndBip39WithPassphraseLeaveNoSecretInTheBroker) {
  TracedRun e = traced({"restore"}, std::string(kElectrumPhrase) + "\n" + kRestorePw + "\n",
                       {kElectrumPhrase, kRestorePw});
  expect_absent(e, {kElectrumPhrase, kRestorePw}, "restore (Electrum)");
  ASSERT_FALSE(xpub().empty());
  EXPECT_TRUE(e.image.contains(xpub())) << "the scan did not find the xpub";

  std::string dir = datadir() + "/bip39";
  TracedRun b = traced({"restore", "--bip39", "--passphrase", "-"},
                       std::string(kBip39Phrase) + "\n" + kBip39Passphrase + "\n" + kBip39Pw + "\n",
                       {kBip39Phrase, kBip39Passphrase, kBip39Pw}, dir);
  expect_absent(b, {kBip39Phrase, kBip39Passphrase, kBip39Pw}, "restore (BIP39)");
  std::vector<std::string> bip39_addrs = receiving(dir);
  ASSERT_FALSE(bip39_addrs.empty());
  ASSERT_FALSE(xpub(dir).empty());
  EXPECT_TRUE(b.image.contains(xpub(dir))) << "the scan did not find the xpub";
  // The scan does find a secret that does pass through the broker: a
  // passphrase given on argv (accepted for Electrum-NMC compatibility, with
  // a warning) sits in the broker's own argv.
  const std::string on_argv = "Seal-ArgvPassphrase-0f6e2d4c";
  TracedRun a = traced({"restore", "--bip39", "--passphrase", on_argv},
                       std::string(kBip39Phrase) + "\npw\n", {}, datadir() + "/bip39-argv");
  EXPECT_TRUE(a.image.contains(on_argv)) << "the scan missed a secret the broker holds";
  // The passphrase was used: the same phrase without it is another wallet.
  std::string plain = datadir() + "/bip39-plain";
  Result r0 = r({"restore", "--bip39"}, std::string(kBip39Phrase) + "\npw\n", plain);
  ASSERT_EQ(r0.rc, 0) << r0.err;
  EXPECT_NE(receiving(plain).at(0), bip39_addrs[0]);
}

}  // namespace
}  // namespace redoubt::test
