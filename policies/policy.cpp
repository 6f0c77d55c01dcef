#include "policies/policy.h"

#include <map>
#include <stdexcept>

namespace redoubt::policies {

Policy keyd_policy();
Policy netd_policy();
Policy netd_transproxy_policy();
Policy ui_policy();
Policy broker_policy();

namespace {

const std::map<std::string, Policy>& all() {
  static const std::map<std::string, Policy> policies = [] {
    std::map<std::string, Policy> m;
    for (Policy p :
         {keyd_policy(), netd_policy(), netd_transproxy_policy(), ui_policy(), broker_policy()})
      m.emplace(p.name, std::move(p));
    return m;
  }();
  return policies;
}

}  // namespace

const Policy& policy(const std::string& name) {
  auto it = all().find(name);
  if (it == all().end()) throw std::out_of_range("no sandbox policy named '" + name + "'");
  return it->second;
}

std::vector<std::string> policy_names() {
  std::vector<std::string> names;
  for (const auto& [name, p] : all()) names.push_back(name);
  return names;
}

}  // namespace redoubt::policies
