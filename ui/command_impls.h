// The functions behind the command table (ui/commands.cpp), one group per file.
#pragma once

#include "ui/commands.h"

namespace redoubt::ui {

// ui/commands_keys.cpp
kj::Promise<int> cmd_create(CommandContext& ctx);
kj::Promise<int> cmd_restore(CommandContext& ctx);
kj::Promise<int> cmd_password(CommandContext& ctx);

}  // namespace redoubt::ui
