// The functions behind the command table (ui/commands.cpp), one group per file.
#pragma once

#include "ui/commands.h"

namespace redoubt::ui {

// Argument helpers shared by the command files (ui/commands.cpp).
// Removes `flag` from args; true if it was there.
bool take_flag(std::vector<std::string>& args, const std::string& flag);
// Removes `name VALUE` from args into `value`; true if it was there.
bool take_option(std::vector<std::string>& args, const std::string& name, std::string& value);
// Prints "usage: TEXT" to stderr; returns the usage exit code.
int usage(const char* text);

// ui/commands_keys.cpp
kj::Promise<int> cmd_create(CommandContext& ctx);
kj::Promise<int> cmd_restore(CommandContext& ctx);
kj::Promise<int> cmd_password(CommandContext& ctx);

// ui/commands_wallet.cpp
kj::Promise<int> cmd_getbalance(CommandContext& ctx);
kj::Promise<int> cmd_getunusedaddress(CommandContext& ctx);
kj::Promise<int> cmd_listaddresses(CommandContext& ctx);
kj::Promise<int> cmd_history(CommandContext& ctx);  // ui/commands_history.cpp
kj::Promise<int> cmd_listunspent(CommandContext& ctx);
kj::Promise<int> cmd_freeze(CommandContext& ctx);
kj::Promise<int> cmd_unfreeze(CommandContext& ctx);
kj::Promise<int> cmd_payto(CommandContext& ctx);
kj::Promise<int> cmd_paytomany(CommandContext& ctx);
kj::Promise<int> cmd_broadcast(CommandContext& ctx);
kj::Promise<int> cmd_audit(CommandContext& ctx);
kj::Promise<int> cmd_stop(CommandContext& ctx);
void print_send_result(CommandContext& ctx, ipc::schema::SendResult::Reader r);

// ui/commands_offline.cpp
kj::Promise<int> cmd_deserialize(CommandContext& ctx);
kj::Promise<int> cmd_validateaddress(CommandContext& ctx);
kj::Promise<int> cmd_signtransaction(CommandContext& ctx);
kj::Promise<int> cmd_bumpfee(CommandContext& ctx);

// ui/commands_names.cpp
kj::Promise<int> cmd_name_new(CommandContext& ctx);
kj::Promise<int> cmd_name_firstupdate(CommandContext& ctx);
kj::Promise<int> cmd_name_autoregister(CommandContext& ctx);
kj::Promise<int> cmd_name_update(CommandContext& ctx);
kj::Promise<int> cmd_name_show(CommandContext& ctx);
kj::Promise<int> cmd_name_list(CommandContext& ctx);
kj::Promise<int> cmd_listaddressgroupings(CommandContext& ctx);

// ui/commands_message.cpp
kj::Promise<int> cmd_signmessage(CommandContext& ctx);
kj::Promise<int> cmd_verifymessage(CommandContext& ctx);
// ui/commands_config.cpp
kj::Promise<int> cmd_getconfig(CommandContext& ctx);
kj::Promise<int> cmd_setconfig(CommandContext& ctx);

}  // namespace redoubt::ui
