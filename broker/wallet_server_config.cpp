// `redoubt getconfig` / `setconfig`: the effective configuration with where
// each value came from, and persistent changes to the user's redoubt.conf.
#include "broker/config.h"
#include "broker/wallet_server.h"
#include "ipc/errors.h"

namespace redoubt::broker {

kj::Promise<void> WalletServer::getConfig(GetConfigContext context) {
  std::string key = context.getParams().getKey();
  std::vector<std::pair<std::string, ConfigValue>> rows;
  if (key.empty()) {
    for (const auto& k : config_keys()) rows.emplace_back(k, ctx_.config[k]);
  } else {
    auto it = ctx_.config.find(key);
    if (it == ctx_.config.end()) {
      std::string known;
      for (const auto& k : config_keys()) known += (known.empty() ? "" : ", ") + k;
      ipc::fail(ipc::ErrorCode::kUsage, "unknown key '" + key + "' (known: " + known + ")");
    }
    rows.emplace_back(key, it->second);
  }
  auto out = context.getResults().initEntries(static_cast<unsigned>(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    out[i].setKey(rows[i].first);
    out[i].setValue(rows[i].second.value);
    out[i].setSource(rows[i].second.source);
  }
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::setConfig(SetConfigContext context) {
  std::string key = context.getParams().getKey();
  std::string value = context.getParams().getValue();
  try {
    write_user_setting(ctx_.user_config_file, key, value);
  } catch (const ConfigError& e) {
    ipc::fail(ipc::ErrorCode::kUsage, e.what());
  }
  // The running tree keeps the values it started with; a later layer
  // (environment, command line) still wins at the next start, and getconfig
  // says so through the source.
  auto& current = ctx_.config[key];
  bool later_layer =
      current.source == "command line" || current.source.rfind("environment", 0) == 0;
  if (!later_layer)
    current = ConfigValue{value, ctx_.user_config_file + " (setconfig; from the next start)"};
  return kj::READY_NOW;
}

}  // namespace redoubt::broker
