#include "ipc/errors.h"

#include <charconv>

namespace redoubt::ipc {

kj::Exception make_exception(ErrorCode code, std::string_view message) {
  std::string text = "E" + std::to_string(static_cast<int>(code)) + ": ";
  text.append(message);
  return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                       kj::heapString(text.data(), text.size()));
}

void fail(ErrorCode code, std::string_view message) {
  kj::throwFatalException(make_exception(code, message));
}

RemoteError from_exception(const kj::Exception& e) {
  std::string_view d(e.getDescription().cStr());
  // Cap'n Proto prefixes remote exceptions with "remote exception: ".
  auto pos = d.find(": E");
  size_t start = std::string_view::npos;
  if (d.size() > 1 && d[0] == 'E')
    start = 0;
  else if (pos != std::string_view::npos)
    start = pos + 2;
  if (start != std::string_view::npos) {
    int code = 0;
    auto digits = d.substr(start + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
    if (ec == std::errc() && end < digits.data() + digits.size() && *end == ':' && code >= 0 &&
        code <= static_cast<int>(ErrorCode::kConfinement)) {
      std::string_view msg(end + 1);
      if (!msg.empty() && msg[0] == ' ') msg.remove_prefix(1);
      return RemoteError(static_cast<ErrorCode>(code), std::string(msg));
    }
  }
  if (e.getType() == kj::Exception::Type::DISCONNECTED) {
    return RemoteError(ErrorCode::kNetwork, "the other process went away: " + std::string(d));
  }
  if (e.getType() == kj::Exception::Type::UNIMPLEMENTED) {
    return RemoteError(ErrorCode::kNotImplemented, std::string(d));
  }
  return RemoteError(ErrorCode::kInternal, std::string(d));
}

}  // namespace redoubt::ipc
