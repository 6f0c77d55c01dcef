// redoubt-policy-dump: prints a compiled seccomp policy as libseccomp's
// pseudo-filter code, or rewrites the reviewed golden files.
//   redoubt-policy-dump NAME            the PFC of policy NAME on stdout
//   redoubt-policy-dump --list          the policy names
//   redoubt-policy-dump --write DIR     DIR/<name>.pfc for every policy
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>

#include "policies/policy.h"
#include "sandbox/seccomp.h"

int main(int argc, char** argv) {
  using redoubt::policies::policy;
  using redoubt::policies::policy_names;
  try {
    std::string a = argc > 1 ? argv[1] : "";
    if (argc == 2 && a == "--list") {
      for (const auto& n : policy_names()) std::printf("%s\n", n.c_str());
      return 0;
    }
    if (argc == 3 && a == "--write") {
      for (const auto& n : policy_names()) {
        std::string path = std::string(argv[2]) + "/" + n + ".pfc";
        std::ofstream(path) << redoubt::sandbox::export_pfc(policy(n));
        std::printf("wrote %s\n", path.c_str());
      }
      return 0;
    }
    if (argc == 2 && !a.starts_with("-")) {
      std::fputs(redoubt::sandbox::export_pfc(policy(a)).c_str(), stdout);
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "redoubt-policy-dump: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: redoubt-policy-dump NAME | --list | --write DIR\n");
  return 64;
}
