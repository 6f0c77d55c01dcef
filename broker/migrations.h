// The wallet database schema as an ordered list of migrations: migration i
// takes `PRAGMA user_version` from i to i+1. Never edit a released step;
// append a new one.
#pragma once

#include <span>
#include <string_view>

namespace redoubt::broker {

std::span<const std::string_view> schema_migrations();

}  // namespace redoubt::broker
