// libFuzzer target: JSON-RPC framing (split at a fuzzer-chosen point), line
// classification and every typed Electrum result parser. The only exception
// any of them may throw on hostile input is NetError (ProtocolError); anything
// else escapes and is reported as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "netd/electrum.h"
#include "netd/jsonrpc.h"

namespace {

using redoubt::netd::Json;
using redoubt::netd::NetError;

template <typename F>
void tolerate(F f) {
  try {
    f();
  } catch (const NetError&) {
  }
}

void parse_everything(const Json& j) {
  namespace n = redoubt::netd;
  tolerate([&] { n::parse_server_version(j); });
  tolerate([&] { n::parse_header_tip(j); });
  tolerate([&] { n::parse_header_notification(j); });
  tolerate([&] { n::parse_headers(j, 2016, false); });
  tolerate([&] { n::parse_headers(j, 10, true); });
  tolerate([&] { n::parse_status(j); });
  tolerate([&] { n::parse_scripthash_notification(j); });
  tolerate([&] { n::parse_history(j); });
  tolerate([&] { n::parse_utxos(j); });
  tolerate([&] { n::parse_raw_tx(j); });
  tolerate([&] { n::parse_merkle(j); });
  tolerate([&] { n::parse_txid(j); });
  tolerate([&] { n::parse_fee(j); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks where the stream is cut in two reads.
  size_t cut = data[0] % size;
  const char* text = reinterpret_cast<const char*>(data + 1);
  size_t len = size - 1;
  redoubt::netd::LineFramer framer(1 << 16);
  std::string line;
  try {
    framer.feed(text, cut < len ? cut : len);
    while (framer.next(line)) {
      tolerate([&] {
        for (auto& m : redoubt::netd::parse_line(line)) {
          parse_everything(m.result);
          parse_everything(m.params);
        }
      });
    }
    if (cut < len) framer.feed(text + cut, len - cut);
    while (framer.next(line)) {
      tolerate([&] {
        for (auto& m : redoubt::netd::parse_line(line)) {
          parse_everything(m.result);
          parse_everything(m.params);
        }
      });
    }
  } catch (const NetError&) {
  }
  // The raw bytes as concatenated headers, merge-mined or truncated.
  auto bytes = redoubt::chain::ByteSpan(data, size);
  tolerate([&] { redoubt::netd::split_headers(bytes, data[0] % 4, false); });
  tolerate([&] { redoubt::netd::split_headers(bytes, data[0] % 4, true); });
  return 0;
}
