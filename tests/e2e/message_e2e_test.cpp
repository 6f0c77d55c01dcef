// signmessage / verifymessage through the real tree: the ui seals the
// password, the broker names the key of the address, keyd signs; the
// signature verifies with chain/ and with verifymessage, and nothing else
// does.
#include <gtest/gtest.h>

#include <string>

#include "chain/message.h"
#include "chain/params.h"
#include "tests/e2e/e2e_driver.h"

namespace redoubt::test {
namespace {

class MessageE2E : public E2E {};

TEST_F(MessageE2E, SignVerifyTamperAndForeignAddress) {
  create();
  std::vector<std::string> addrs = receiving();
  ASSERT_GE(addrs.size(), 2u);
  const std::string addr = addrs[1];
  const std::string message = "Redoubt signs: names are not linked \xe2\x9c\x93";

  Result s = pw({"signmessage", addr, message});
  ASSERT_EQ(s.rc, 0) << s.err;
  ASSERT_TRUE(s.json().is_string()) << s.out;
  const std::string sig = s.json().get<std::string>();
  EXPECT_EQ(sig.size(), 88u) << "65 bytes in base64";
  // Namecoin's message format, checked by chain/ independently of the tree.
  EXPECT_TRUE(chain::verify_message(addr, sig, message, chain::regtest_params()));

  Result v = r({"verifymessage", addr, sig, message});
  ASSERT_EQ(v.rc, 0) << v.err;
  EXPECT_EQ(v.json(), true);
  Result tampered = r({"verifymessage", addr, sig, message + "!"});
  ASSERT_EQ(tampered.rc, 0) << tampered.err;
  EXPECT_EQ(tampered.json(), false);
  Result other = r({"verifymessage", addrs[0], sig, message});
  ASSERT_EQ(other.rc, 0) << other.err;
  EXPECT_EQ(other.json(), false) << "another address of the same wallet";
  Result garbage = r({"verifymessage", addr, "not-base64", message});
  ASSERT_EQ(garbage.rc, 0) << garbage.err;
  EXPECT_EQ(garbage.json(), false);
  Result bad_addr = r({"verifymessage", "nope", sig, message});
  EXPECT_NE(bad_addr.rc, 0);
  EXPECT_NE(bad_addr.err.find("not a valid regtest address"), std::string::npos) << bad_addr.err;

  // An address that is not this wallet's: a clear error, nothing signed.
  const std::string foreign = "ncrt1q46l5y2xlmg0a5c3mrny2kllwwz7ugwmkjp9eka";
  Result f = pw({"signmessage", foreign, message});
  EXPECT_NE(f.rc, 0);
  EXPECT_NE(f.err.find("is not an address of this wallet"), std::string::npos) << f.err;
  EXPECT_TRUE(f.out.empty()) << f.out;

  // A wrong password signs nothing.
  Result wrong = r({"signmessage", addr, message}, "not-the-password\n");
  EXPECT_NE(wrong.rc, 0);
  EXPECT_TRUE(wrong.out.empty()) << wrong.out;
}

}  // namespace
}  // namespace redoubt::test
