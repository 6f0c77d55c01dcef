#include "tests/tor/tor_control.h"

#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "chain/bytes.h"

namespace redoubt::tortest {

TorControl::TorControl(const std::string& socket_path, const std::string& cookie_path) {
  fd_ = testsupport::connect_unix(socket_path);
  std::ifstream f(cookie_path, std::ios::binary);
  std::string cookie((std::istreambuf_iterator<char>(f)), {});
  if (cookie.size() != 32) throw std::runtime_error("tor control cookie missing: " + cookie_path);
  thread_ = std::thread([this] { reader(); });
  command("AUTHENTICATE " +
          chain::to_hex(chain::ByteSpan(reinterpret_cast<const uint8_t*>(cookie.data()), 32)));
}

TorControl::~TorControl() {
  ::shutdown(fd_.get(), SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
}

void TorControl::reader() {
  std::string line;
  // Tor's lines end in CRLF; read_line strips the LF, we strip the CR.
  while (testsupport::read_line(fd_.get(), line, 1 << 20)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::lock_guard lk(mu_);
    if (line.rfind("650", 0) == 0) {
      events_.push_back(line);
    } else {
      replies_.push_back(line);
    }
    cv_.notify_all();
  }
  std::lock_guard lk(mu_);
  closed_ = true;
  cv_.notify_all();
}

std::vector<std::string> TorControl::command(const std::string& line, int timeout_ms) {
  if (!testsupport::write_all(fd_.get(), line + "\r\n")) {
    throw std::runtime_error("tor control connection closed");
  }
  std::vector<std::string> out;
  std::unique_lock lk(mu_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (!cv_.wait_until(lk, deadline, [&] { return !replies_.empty() || closed_; })) {
      throw std::runtime_error("tor control: no reply to " + line.substr(0, 20));
    }
    if (replies_.empty()) throw std::runtime_error("tor control connection closed");
    std::string r = std::move(replies_.front());
    replies_.pop_front();
    out.push_back(r);
    // "250 OK" ends a reply; "250-" and "250+" continue it (data lines too).
    if (r.size() >= 4 && r[3] == ' ' && std::isdigit(static_cast<unsigned char>(r[0]))) break;
  }
  if (out.back()[0] != '2')
    throw std::runtime_error("tor control: " + line.substr(0, 30) + " -> " + out.back());
  return out;
}

std::string TorControl::getinfo(const std::string& key) {
  for (const auto& l : command("GETINFO " + key)) {
    auto pos = l.find(key + "=");
    if (pos != std::string::npos) return l.substr(pos + key.size() + 1);
  }
  return "";
}

std::vector<std::string> TorControl::events() const {
  std::lock_guard lk(mu_);
  return events_;
}

std::string event_field(const std::string& line, const std::string& key) {
  std::string pat = " " + key + "=";
  auto pos = line.find(pat);
  if (pos == std::string::npos) return "";
  pos += pat.size();
  if (pos < line.size() && line[pos] == '"') {
    std::string v;
    for (size_t i = pos + 1; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      v += line[i];
    }
    return v;
  }
  auto end = line.find(' ', pos);
  return line.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

}  // namespace redoubt::tortest
