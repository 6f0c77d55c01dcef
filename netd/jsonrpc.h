// Electrum's JSON-RPC 2.0 over newline-delimited lines: the framer with its
// limits, request building, and the classification of each incoming line into
// responses and notifications. Any violation throws ProtocolError, after which
// the session drops the server and tells the broker why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netd/error.h"

namespace redoubt::netd {

using Json = nlohmann::json;

// The server broke the protocol (or a limit): the connection is dropped.
class ProtocolError : public NetError {
 public:
  using NetError::NetError;
};

// Longest line accepted from a server. The largest legitimate reply is a
// blockchain.block.headers chunk of 2016 merge-mined headers: 80 bytes plus an
// AuxPoW (parent coinbase, two merkle branches, parent header) of typically
// 300-700 bytes and rarely more than 1.5 KB, i.e. at most ~3.2 MB of hex; a
// 1 MB transaction is 2 MB of hex. 8 MiB covers both with room and still
// decodes to less than netd's 8 MiB Cap'n Proto limit to the broker
// (ipc::kNetdLimits), so anything longer is a server attacking our memory.
inline constexpr size_t kMaxLineBytes = 8u << 20;
// Most responses one batch line may hold (we send at most this many per batch).
inline constexpr size_t kMaxBatch = 100;
// Most requests in flight on one connection; further calls fail at once
// (the broker is asking too much, the server is not at fault).
inline constexpr size_t kMaxOutstanding = 1000;

// Splits a byte stream into lines. Throws ProtocolError when a line (with or
// without its '\n' yet) exceeds `max_line`, so an endless line is cut off
// after max_line bytes of memory.
class LineFramer {
 public:
  explicit LineFramer(size_t max_line = kMaxLineBytes) : max_line_(max_line) {}
  void feed(const char* data, size_t n);
  // Moves the next complete line (without '\n', a trailing '\r' removed) into `line`.
  bool next(std::string& line);
  size_t buffered() const { return buf_.size() - start_; }

 private:
  std::string buf_;
  size_t start_ = 0;    // first unconsumed byte
  size_t scanned_ = 0;  // bytes from start_ known to hold no '\n'
  size_t max_line_;
};

// One request line ("...\n"): {"jsonrpc":"2.0","method":m,"params":p,"id":id}.
std::string make_request(uint64_t id, std::string_view method, const Json& params);
// A batch line of several requests (at most kMaxBatch).
struct Request {
  uint64_t id;
  std::string method;
  Json params;
};
std::string make_batch(const std::vector<Request>& requests);

struct RpcMessage {
  enum class Kind { result, error, notification } kind;
  uint64_t id = 0;         // result/error
  Json result;             // result
  int64_t error_code = 0;  // error
  std::string error_message;
  std::string method;  // notification
  Json params;         // notification
};

// Parses one line: an object or a batch array of responses/notifications.
// Validates structure and types (ids non-negative integers, "error" an object
// with an integer code and a string message, notification params an array).
std::vector<RpcMessage> parse_line(std::string_view line);

}  // namespace redoubt::netd
