// netd: the most exposed process (TLS and JSON from untrusted servers). It
// may reach the Tor proxy's Unix socket and nothing else: the socket is the
// only path in its view, socket() is AF_UNIX only, its network namespace is
// empty. netd-transproxy is the variant for TOR_TRANSPROXY, where the OS
// torifies direct TCP: the host network and AF_INET/AF_INET6 sockets.
#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "policies/common.h"
#include "policies/sets.h"

namespace redoubt::policies {
namespace {

Policy netd_common(const std::string& name, std::vector<uint64_t> domains) {
  // AppArmor profiles redoubt-netd (denies network inet/inet6) and
  // redoubt-netd-transproxy (allows TCP), policies/apparmor/.
  Policy p = child_base(name, "redoubt-" + name);
  p.binds.push_back({"{tor_socket}", false});   // connect() needs no writable mount
  p.allow_if.push_back(sets::clone_threads());  // one thread per server session
  p.allow.push_back({"proxy_discovery",
                     "stat() of the system Tor socket path (BRIEF: proxy choice); the view holds "
                     "only the Tor socket, so a stat reveals nothing else",
                     {"newfstatat"}});
  p.allow_if.push_back({"socket", ArgRule::Kind::kArgIn, 0, 0, std::move(domains),
                        "the proxy connection; any other family is an attack: kill"});
  p.allow.push_back({"connect", "to the proxy socket (the only one in the view)", {"connect"}});
  p.errno_rules.push_back({"openat", EACCES,
                           "OpenSSL reads its config file lazily on first use and treats "
                           "EACCES as 'no config'; netd needs no file after start-up"});
  p.rlimits.push_back({RLIMIT_NOFILE, 256});
  p.rlimits.push_back({RLIMIT_FSIZE, 0});  // netd writes no file
  return p;
}

}  // namespace

Policy netd_policy() {
  Policy p = netd_common("netd", {AF_UNIX});
  // Empty: the proxy is reached by path, which works across network
  // namespaces; abstract Unix sockets, which do not, are out of reach too.
  p.namespaces |= CLONE_NEWNET;
  return p;
}

Policy netd_transproxy_policy() {
  Policy p = netd_common("netd-transproxy", {AF_UNIX, AF_INET, AF_INET6});
  // Host network namespace: the transparent proxy is the OS's routing.
  p.landlock_allow_tcp_connect = true;
  return p;
}

}  // namespace redoubt::policies
