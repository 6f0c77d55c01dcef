// libFuzzer target: the SOCKS5 CONNECT reply parser and the method/auth reply
// checks. Invariants: never reads past the input, never asks for more than
// the largest possible reply, and a complete reply fits in what was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "netd/error.h"
#include "netd/socks5.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using redoubt::netd::ConnectReply;
  ConnectReply r = redoubt::netd::parse_connect_reply(data, size);
  switch (r.state) {
    case ConnectReply::State::incomplete:
      if (r.need <= size || r.need > 5 + 255 + 2) abort();
      break;
    case ConnectReply::State::complete:
      if (r.consumed > size || r.consumed < 4 + 2) abort();
      if (redoubt::netd::socks_reply_message(r.code).empty()) abort();
      break;
    case ConnectReply::State::malformed:
      if (r.error.empty()) abort();
      break;
  }
  if (size >= 2) {
    try {
      redoubt::netd::check_method_reply(data);
    } catch (const redoubt::netd::NetError&) {
    }
    try {
      redoubt::netd::check_auth_reply(data);
    } catch (const redoubt::netd::NetError&) {
    }
  }
  return 0;
}
