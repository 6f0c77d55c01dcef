// GoogleTest fixtures for tests that need the local regtest universe:
// UniverseFixture starts it in-process (chain, Electrum server on TCP and
// TLS, SOCKS5 proxy, control socket) in a fresh temporary datadir with one
// call, and stops it after the test.
//
//   class MyTest : public redoubt::testsupport::UniverseFixture {};
//   TEST_F(MyTest, Works) {
//     auto c = electrum_tcp();
//     universe().mine(1);
//     ... endpoints().socks, endpoints().tcp ...
//   }
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/json_client.h"
#include "tests/support/universe.h"

namespace redoubt::testsupport {

// A fresh private directory under $TMPDIR (or /tmp), short enough for Unix
// socket paths.
inline std::string make_temp_dir(const char* prefix = "redoubt-universe") {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

class UniverseFixture : public ::testing::Test {
 protected:
  // Override to change options (ports, initial blocks, ...); datadir is set.
  virtual void configure(UniverseOptions& opts) {}

  void SetUp() override {
    datadir_ = make_temp_dir();
    UniverseOptions opts;
    opts.datadir = datadir_;
    configure(opts);
    universe_ = std::make_unique<Universe>(opts);
    universe_->start();
  }
  void TearDown() override {
    if (universe_) universe_->stop();
    universe_.reset();
    std::error_code ec;
    std::filesystem::remove_all(datadir_, ec);
  }

  Universe& universe() { return *universe_; }
  const UniverseEndpoints& endpoints() const { return universe_->endpoints(); }
  JsonClient electrum_tcp() { return JsonClient::tcp(endpoints().tcp); }
  JsonClient electrum_tls() { return JsonClient::tls(endpoints().tls); }
  const std::string& datadir() const { return datadir_; }

 private:
  std::string datadir_;
  std::unique_ptr<Universe> universe_;
};

}  // namespace redoubt::testsupport
