#include "sandbox/audit.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policies/policy.h"
#include "sandbox/confine.h"
#include "sandbox/landlock.h"
#include "sandbox/spawn.h"

namespace redoubt::sandbox {
namespace {

// "Key:\tvalue" lines of /proc/PID/status; empty when absent.
std::string status_field(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size() + 1, key + ":") != 0) continue;
    std::string v = line.substr(key.size() + 1);
    size_t b = v.find_first_not_of(" \t");
    return b == std::string::npos ? "" : v.substr(b);
  }
  return "";
}

bool read_all(const std::string& path, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return true;
}

std::string link_of(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) return std::string("unreadable (") + strerror(errno) + ")";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

AuditResult audit_process(pid_t pid, const std::string& policy_name, const AuditInput& in) {
  AuditResult r;
  r.pid = pid;
  r.policy = policy_name;
  const policies::Policy* p = nullptr;
  try {
    p = &policies::policy(policy_name);
  } catch (const std::out_of_range& e) {
    r.lines.push_back({"policy", policy_name, e.what(), false});
    return r;
  }
  const std::string dir = in.proc + "/" + std::to_string(pid);
  const std::string ref =
      in.proc + "/" + std::to_string(in.reference_pid ? in.reference_pid : getpid());
  std::string status;
  if (!read_all(dir + "/status", status)) {
    r.lines.push_back({"process", "running", "cannot read " + dir + "/status", false});
    return r;
  }

  const bool child = p->view;
  // seccomp: mode 2 (filter) with at least one filter.
  std::string mode = status_field(status, "Seccomp");
  std::string filters = status_field(status, "Seccomp_filters");
  r.lines.push_back({"seccomp", "2 (filter: " + p->name + ")",
                     mode + (filters.empty() ? "" : " (" + filters + " filters)"),
                     mode == "2" && !filters.empty() && filters != "0"});
  std::string nnp = status_field(status, "NoNewPrivs");
  r.lines.push_back({"no_new_privs", "1", nnp, nnp == "1"});
  std::string cap = status_field(status, "CapEff");
  r.lines.push_back({"capabilities", child ? "none (CapEff 0)" : "any", cap,
                     !child || cap == "0000000000000000"});
  std::string uid = status_field(status, "Uid"), gid = status_field(status, "Gid");
  r.lines.push_back({"uid/gid", "the broker's", "uid " + uid + "; gid " + gid, !uid.empty()});

  // Namespaces: those the policy gives the process must differ from the
  // reference's; the others are shared (differing would be stronger).
  int own = p->namespaces | (p->view ? CLONE_NEWUSER | CLONE_NEWNS : 0);
  const std::pair<const char*, int> kinds[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},
                                               {"pid", CLONE_NEWPID},   {"net", CLONE_NEWNET},
                                               {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS}};
  for (const auto& [name, flag] : kinds) {
    std::string mine = link_of(dir + "/ns/" + name);
    std::string theirs = link_of(ref + "/ns/" + name);
    bool readable = mine.find(':') != std::string::npos && theirs.find(':') != std::string::npos;
    bool separate = readable && mine != theirs;
    bool want = own & flag;
    r.lines.push_back({std::string("ns.") + name, want ? "own" : "shared allowed",
                       readable ? (separate ? "own " + mine : "shared " + mine) : mine,
                       readable && (!want || separate)});
  }

  // AppArmor: the declared profile in enforce mode, when AppArmor is enabled.
  std::string label = apparmor_label(std::to_string(pid));
  if (label == "AppArmor not enabled")
    r.lines.push_back({"apparmor", p->apparmor + " (enforce) if enabled", label, true});
  else
    r.lines.push_back(
        {"apparmor", p->apparmor + " (enforce)", label, label == p->apparmor + " (enforce)"});

  // Landlock: as reported by the child; must be the kernel's best.
  if (child) {
    int kernel = landlock_abi();
    std::string actual = in.reported_landlock_abi < 0
                             ? std::string("not reported")
                             : "ABI " + std::to_string(in.reported_landlock_abi);
    r.lines.push_back(
        {"landlock", "ABI " + std::to_string(kernel) + " (kernel's best)", actual,
         kernel == 0 ? in.reported_landlock_abi >= 0 : in.reported_landlock_abi >= kernel});
  }

  // Core files: RLIMIT_CORE 0 ("Max core file size  0  0  bytes").
  std::string limits;
  if (read_all(dir + "/limits", limits)) {
    std::string core = "?";
    std::istringstream ls(limits);
    std::string line;
    while (std::getline(ls, line))
      if (line.rfind("Max core file size", 0) == 0) {
        std::istringstream f(line.substr(18));
        std::string soft, hard;
        f >> soft >> hard;
        core = soft;
        core += "/";
        core += hard;
      }
    r.lines.push_back({"rlimit.core", "0/0", core, core == "0/0"});
  } else {
    r.lines.push_back({"rlimit.core", "0/0", "unreadable", false});
  }

  // Open fds: listed; a child's fd 3 must be its broker socket.
  std::string fds;
  bool fd3_socket = !child;
  bool fds_readable = false;
  for (int fd = 0; fd < 1024; ++fd) {
    std::string target = link_of(dir + "/fd/" + std::to_string(fd));
    if (target.rfind("unreadable", 0) == 0) {
      if (fd == 0 && target.find("No such file") == std::string::npos) {
        fds = target;
        break;
      }
      continue;
    }
    fds_readable = true;
    if (fd == 3 && target.rfind("socket:", 0) == 0) fd3_socket = true;
    fds += (fds.empty() ? "" : " ") + std::to_string(fd) + "=" + target;
  }
  r.lines.push_back({"fds", child ? "0-2 stdio or /dev/null, 3 broker socket, then its own" : "any",
                     fds.empty() ? "none" : fds, fds_readable && fd3_socket});

  r.ok = true;
  for (const auto& l : r.lines) r.ok = r.ok && l.ok;
  return r;
}

std::string render_table(const std::vector<AuditResult>& results) {
  std::ostringstream out;
  bool all = true;
  for (const auto& r : results) {
    out << r.policy << " (pid " << r.pid << "): " << (r.ok ? "ok" : "WEAKER THAN DECLARED") << "\n";
    for (const auto& l : r.lines) {
      char row[64];
      snprintf(row, sizeof row, "  %-4s %-14s ", l.ok ? "ok" : "FAIL", l.check.c_str());
      out << row << "declared: " << l.declared << "\n"
          << std::string(22, ' ') << "actual:   " << l.actual << "\n";
    }
    all = all && r.ok;
  }
  out << (all ? "audit: every process is confined as declared\n"
              : "audit: some process is weaker than declared\n");
  return out.str();
}

std::string render_json(const std::vector<AuditResult>& results) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json lines = nlohmann::json::array();
    for (const auto& l : r.lines)
      lines.push_back(
          {{"check", l.check}, {"declared", l.declared}, {"actual", l.actual}, {"ok", l.ok}});
    arr.push_back({{"pid", r.pid}, {"policy", r.policy}, {"ok", r.ok}, {"lines", lines}});
  }
  return arr.dump(2);
}

}  // namespace redoubt::sandbox
