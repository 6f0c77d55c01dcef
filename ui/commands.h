// The ui's command table: each command's name, group, help, and the function
// that runs it against the broker's Wallet capability.
#pragma once

#include <kj/async.h>
#include <kj/timer.h>

#include <functional>
#include <string>
#include <vector>

#include "ipc/wallet.capnp.h"

namespace redoubt::ui {

struct CommandContext {
  ipc::schema::Wallet::Client wallet;
  std::vector<std::string> args;  // after the command name
  bool json = false;
  bool interactive = false;
  unsigned attempt = 0;
  kj::Timer& timer;
  ipc::schema::NetworkId network = ipc::schema::NetworkId::MAINNET;
};

struct Command {
  const char* name;
  const char* group;
  const char* usage;    // e.g. "getinfo"
  const char* summary;  // one line
  bool read_only;       // safe to repeat after a ui crash
  std::function<kj::Promise<int>(CommandContext&)> run;
};

const std::vector<Command>& commands();
const Command* find_command(const std::string& name);

// Runs the invocation (args[0] is the command). Resolves to the exit code.
kj::Promise<int> run_invocation(CommandContext& ctx, const std::string& name);

}  // namespace redoubt::ui
