#include "netd/jsonrpc.h"

namespace redoubt::netd {

void LineFramer::feed(const char* data, size_t n) {
  // Compact once the consumed prefix dominates, so memory stays bounded by
  // about two lines.
  if (start_ > 0 && start_ >= buf_.size() / 2) {
    buf_.erase(0, start_);
    start_ = 0;
  }
  buf_.append(data, n);
  size_t nl = buf_.find('\n', start_ + scanned_);
  size_t line_len = (nl == std::string::npos ? buf_.size() : nl) - start_;
  if (line_len > max_line_) {
    throw ProtocolError("the server sent a line longer than " + std::to_string(max_line_) +
                        " bytes");
  }
  if (nl == std::string::npos) scanned_ = buf_.size() - start_;
}

bool LineFramer::next(std::string& line) {
  size_t nl = buf_.find('\n', start_ + scanned_);
  if (nl == std::string::npos) {
    scanned_ = buf_.size() - start_;
    if (scanned_ > max_line_) {
      throw ProtocolError("the server sent a line longer than " + std::to_string(max_line_) +
                          " bytes");
    }
    return false;
  }
  if (nl - start_ > max_line_) {
    throw ProtocolError("the server sent a line longer than " + std::to_string(max_line_) +
                        " bytes");
  }
  line.assign(buf_, start_, nl - start_);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  start_ = nl + 1;
  scanned_ = 0;
  return true;
}

std::string make_request(uint64_t id, std::string_view method, const Json& params) {
  Json j = {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}};
  return j.dump() + "\n";
}

std::string make_batch(const std::vector<Request>& requests) {
  if (requests.empty() || requests.size() > kMaxBatch) {
    throw UsageError("a batch holds 1 to " + std::to_string(kMaxBatch) + " requests");
  }
  Json arr = Json::array();
  for (const auto& r : requests) {
    arr.push_back({{"jsonrpc", "2.0"}, {"method", r.method}, {"params", r.params}, {"id", r.id}});
  }
  return arr.dump() + "\n";
}

namespace {

RpcMessage classify(const Json& j) {
  if (!j.is_object())
    throw ProtocolError("the server sent a JSON-RPC message that is not an object");
  RpcMessage m{};
  auto id = j.find("id");
  auto method = j.find("method");
  if (method != j.end() && (id == j.end() || id->is_null())) {
    if (!method->is_string()) throw ProtocolError("notification method is not a string");
    m.kind = RpcMessage::Kind::notification;
    m.method = method->get<std::string>();
    auto params = j.find("params");
    if (params == j.end() || !params->is_array()) {
      throw ProtocolError("notification " + m.method + " has no params array");
    }
    m.params = *params;
    return m;
  }
  if (id == j.end() || !id->is_number_unsigned()) {
    // A server request (has method and id) or garbage: Electrum servers send
    // neither, and an error reply to a request we could not parse has id null.
    throw ProtocolError("the server sent a message without a valid request id");
  }
  m.id = id->get<uint64_t>();
  auto err = j.find("error");
  auto res = j.find("result");
  if (err != j.end() && !err->is_null()) {
    if (!err->is_object()) throw ProtocolError("JSON-RPC error is not an object");
    auto code = err->find("code");
    auto msg = err->find("message");
    if (code == err->end() || !code->is_number_integer() || msg == err->end() ||
        !msg->is_string()) {
      throw ProtocolError("JSON-RPC error lacks an integer code or a message");
    }
    m.kind = RpcMessage::Kind::error;
    m.error_code = code->get<int64_t>();
    m.error_message = msg->get<std::string>();
    // A server's message reaches the user: keep it short.
    if (m.error_message.size() > 200) m.error_message.resize(200);
    return m;
  }
  if (res == j.end()) throw ProtocolError("JSON-RPC response has neither result nor error");
  m.kind = RpcMessage::Kind::result;
  m.result = *res;
  return m;
}

// Electrum messages nest a few levels deep. Rejecting deeper input before
// parsing keeps a line of 8 MiB of '[' from becoming millions of nested values.
constexpr int kMaxDepth = 32;

void check_depth(std::string_view line) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : line) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) throw ProtocolError("the server sent JSON nested too deeply");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

}  // namespace

std::vector<RpcMessage> parse_line(std::string_view line) {
  check_depth(line);
  Json j = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw ProtocolError("the server sent invalid JSON");
  std::vector<RpcMessage> out;
  if (j.is_array()) {
    if (j.empty() || j.size() > kMaxBatch) {
      throw ProtocolError("the server sent a batch of " + std::to_string(j.size()) +
                          " messages (1 to " + std::to_string(kMaxBatch) + " allowed)");
    }
    for (const auto& e : j) out.push_back(classify(e));
  } else {
    out.push_back(classify(j));
  }
  return out;
}

}  // namespace redoubt::netd
