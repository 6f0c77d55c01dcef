// Round trips through the real redoubt-keyd process over Cap'n Proto, as the
// broker talks to it: create, restore to known addresses, passwords, a
// tampered keystore, signing that verifies, refusals, lock on timeout and on
// EOF, and what other processes can see of keyd.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "chain/address.h"
#include "chain/message.h"
#include "chain/names.h"
#include "chain/seed.h"
#include "tests/keyd/keyd_process.h"
#include "tests/keyd/wallet_fixture.h"

namespace redoubt::keyd::test {
namespace {

namespace fs = std::filesystem;
namespace schema = ipc::schema;
using chain::Bytes;
using ipc::ErrorCode;
using ipc::sealed::Purpose;

constexpr char kSegwitWords[] =
    "bitter grass shiver impose acquire brush forget axis eager alone wine silver";
constexpr char kSegwitFirst[] = "bc1q3g5tmkmlvxryhh843v4dz026avatc0zzr6h3af";  // Electrum's
constexpr char kSegwitZpub[] =
    "zpub6nsHdRuY92FsMKdbn9BfjBCG6X8pyhCibNP6uDvpnw2cyrVhecvHRMa3Ne8kdJZxjxgwnpbHLkcR4bfnhHy6auHPJ"
    "yDTQ3kianeuVLdkCYQ";
constexpr char kPassword[] = "hunter2-process-test-password";

kj::ArrayPtr<const kj::byte> bytes(std::string_view s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}
kj::ArrayPtr<const kj::byte> bytes(const Bytes& b) {
  return {b.data(), b.size()};
}
Bytes slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}
void spit(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
std::string read_proc(pid_t pid, const char* leaf) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + leaf, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class KeydProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    keyd_ = std::make_unique<KeydProcess>(keyd_argv(dir_));
  }
  void TearDown() override {
    keyd_.reset();
    fs::remove_all(dir_);
  }
  fs::path keystore() const { return fs::path(dir_) / "keyd" / "keystore"; }

  auto restore_req(const char* words) {
    auto req = keyd_->signer().restoreRequest();
    req.setSealedPhrase(bytes(keyd_->seal(words, Purpose::kPhrase)));
    req.setSealedPassphrase(bytes(keyd_->seal("", Purpose::kPassphrase)));
    req.setSeedType(schema::SeedType::SEGWIT);
    req.setSealedPassword(bytes(keyd_->seal(kPassword, Purpose::kNewPassword)));
    req.setNetwork(schema::NetworkId::REGTEST);
    return req;
  }
  // Restores the known seed; returns the broker's watch-only view.
  WatchOnly restore() {
    auto res = restore_req(kSegwitWords).send().wait(keyd_->ws());
    return watch_only(res.getAccounts()[0].getXpub());
  }
  auto unlock_req(std::string_view password, uint32_t timeout = 600, int64_t max_fee = 100'000,
                  uint32_t per_mille = 0) {
    auto req = keyd_->signer().unlockRequest();
    req.setSealedPassword(bytes(keyd_->seal(password, Purpose::kPassword)));
    req.setTimeoutSeconds(timeout);
    req.getLimits().setMaxFeeSat(max_fee);
    req.getLimits().setMaxFeePerMille(per_mille);
    return req;
  }
  void unlock(uint32_t timeout = 600, int64_t max_fee = 100'000, uint32_t per_mille = 0) {
    unlock_req(kPassword, timeout, max_fee, per_mille).send().wait(keyd_->ws());
  }
  bool unlocked() {
    return keyd_->signer().statusRequest().send().wait(keyd_->ws()).getStatus().getUnlocked();
  }
  auto sign_req(const chain::Transaction& tx, const std::vector<Prev>& prevs,
                const std::vector<std::pair<uint32_t, chain::KeyPath>>& change = {},
                const std::vector<Bytes>& transfer = {}) {
    auto req = keyd_->signer().signTransactionRequest();
    auto r = req.initRequest();
    r.setUnsignedTx(bytes(tx.serialize()));
    auto ins = r.initInputs(static_cast<unsigned>(prevs.size()));
    for (unsigned i = 0; i < prevs.size(); ++i) {
      ins[i].setValue(prevs[i].value);
      ins[i].setScriptPubKey(bytes(prevs[i].script));
      ins[i].setPrevTx(bytes(prevs[i].prev_tx));
      auto p = ins[i].initPath(static_cast<unsigned>(prevs[i].path.size()));
      for (unsigned j = 0; j < prevs[i].path.size(); ++j) p.set(j, prevs[i].path[j]);
    }
    auto ch = r.initChange(static_cast<unsigned>(change.size()));
    for (unsigned i = 0; i < change.size(); ++i) {
      ch[i].setOutputIndex(change[i].first);
      auto p = ch[i].initPath(static_cast<unsigned>(change[i].second.size()));
      for (unsigned j = 0; j < change[i].second.size(); ++j) p.set(j, change[i].second[j]);
    }
    auto tn = r.initTransferNames(static_cast<unsigned>(transfer.size()));
    for (unsigned i = 0; i < transfer.size(); ++i) tn.set(i, bytes(transfer[i]));
    return req;
  }
  std::string dir_;
  std::unique_ptr<KeydProcess> keyd_;
};

TEST_F(KeydProcessTest, HelloAndCreate) {
  auto hello = keyd_->signer().helloRequest().send().wait(keyd_->ws());
  EXPECT_EQ(std::string(hello.getInfo().getProcess().cStr()), "keyd");
  EXPECT_EQ(hello.getInfo().getPid(), keyd_->pid());
  auto before = keyd_->signer().statusRequest().send().wait(keyd_->ws());
  EXPECT_FALSE(before.getStatus().getHasKeystore());
  EXPECT_EQ(keyd_->error_of(unlock_req(kPassword)), ErrorCode::kNoWallet);

  auto req = keyd_->signer().createRequest();
  req.setSealedPassword(bytes(keyd_->seal(kPassword, Purpose::kNewPassword)));
  req.setSeedType(schema::SeedType::SEGWIT);
  req.setNetwork(schema::NetworkId::REGTEST);
  auto ui_key = ipc::sealed::KeyPair::generate();
  req.setPhraseKey(bytes(Bytes(ui_key.public_key().begin(), ui_key.public_key().end())));
  auto res = req.send().wait(keyd_->ws());
  auto sealed_phrase = res.getSealedPhrase();
  // Only the ui's key opens the phrase, and only as a new phrase.
  Bytes blob(sealed_phrase.begin(), sealed_phrase.end());
  EXPECT_THROW(
      ipc::sealed::KeyPair::generate().open(blob, Purpose::kNewPhrase, chain::Network::kRegtest),
      ipc::sealed::SealError);
  EXPECT_THROW(ui_key.open(blob, Purpose::kPhrase, chain::Network::kRegtest),
               ipc::sealed::SealError);
  std::string phrase(ui_key.open(blob, Purpose::kNewPhrase, chain::Network::kRegtest).view());
  EXPECT_EQ(chain::electrum_seed_kind(phrase), chain::ElectrumSeedKind::kSegwit);
  ASSERT_EQ(res.getAccounts().size(), 1u);
  EXPECT_EQ(std::string(res.getAccounts()[0].getPath().cStr()), "m/0'");
  EXPECT_EQ(res.getAccounts()[0].getScriptType(), schema::ScriptType::P2WPKH);
  auto after = keyd_->signer().statusRequest().send().wait(keyd_->ws());
  EXPECT_TRUE(after.getStatus().getHasKeystore());
  EXPECT_FALSE(after.getStatus().getUnlocked());
  struct stat s;
  ASSERT_EQ(stat(keystore().c_str(), &s), 0);
  EXPECT_EQ(s.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((fs::path(dir_) / "keyd").c_str(), &s), 0);
  EXPECT_EQ(s.st_mode & 0777, 0700u);
  // A keystore is never overwritten.
  EXPECT_EQ(keyd_->error_of(restore_req(kSegwitWords)), ErrorCode::kUsage);
  // Another network than keyd's is refused.
  auto other = keyd_->signer().createRequest();
  other.setSealedPassword(bytes(keyd_->seal(kPassword, Purpose::kNewPassword)));
  other.setPhraseKey(bytes(Bytes(ui_key.public_key().begin(), ui_key.public_key().end())));
  other.setNetwork(schema::NetworkId::MAINNET);
  EXPECT_EQ(keyd_->error_of(kj::mv(other)), ErrorCode::kUsage);
}

// The broker only relays sealed blobs: a plain password, a blob sealed for
// another purpose or network, or to another key, opens nothing.
TEST_F(KeydProcessTest, OnlySealedSecretsForTheirPurposeAreAccepted) {
  restore();
  auto with_blob = [&](const Bytes& blob) {
    auto req = keyd_->signer().unlockRequest();
    req.setSealedPassword(bytes(blob));
    req.setTimeoutSeconds(60);
    req.getLimits().setMaxFeeSat(10'000);
    return keyd_->error_of(kj::mv(req));
  };
  EXPECT_EQ(with_blob(Bytes(kPassword, kPassword + sizeof kPassword - 1)), ErrorCode::kRefused);
  EXPECT_EQ(with_blob(keyd_->seal(kPassword, Purpose::kNewPassword)), ErrorCode::kRefused);
  auto response = keyd_->signer().sealingKeyRequest().send().wait(keyd_->ws());
  Bytes keyd_key(response.getPublicKey().begin(), response.getPublicKey().end());
  EXPECT_EQ(keyd_key.size(), 32u);
  EXPECT_EQ(with_blob(ipc::sealed::seal(keyd_key, chain::as_span(kPassword), Purpose::kPassword,
                                        chain::Network::kMainnet)),
            ErrorCode::kRefused);
  auto other = ipc::sealed::KeyPair::generate();
  EXPECT_EQ(with_blob(ipc::sealed::seal(other.public_key(), chain::as_span(kPassword),
                                        Purpose::kPassword, chain::Network::kRegtest)),
            ErrorCode::kRefused);
  EXPECT_FALSE(unlocked());
  const Bytes good = keyd_->seal(kPassword, Purpose::kPassword);
  EXPECT_EQ(with_blob(good), std::nullopt);
  EXPECT_TRUE(unlocked());
  // A blob opens once: replayed (say, read out of the broker), it is refused.
  keyd_->signer().lockRequest().send().wait(keyd_->ws());
  EXPECT_EQ(with_blob(good), ErrorCode::kRefused);
  EXPECT_FALSE(unlocked());
  EXPECT_EQ(with_blob(keyd_->seal(kPassword, Purpose::kPassword)), std::nullopt);
}

TEST_F(KeydProcessTest, RestoreKnownSeedToKnownAddress) {
  WatchOnly w = restore();
  // Regtest uses the testnet (vpub) encoding of Electrum's published account.
  auto known = chain::ExtendedPublicKey::from_base58(kSegwitZpub, chain::kZprvZpub.pub);
  EXPECT_EQ(w.account.key_bytes(), known.key_bytes());
  EXPECT_EQ(w.account.chain_code(), known.chain_code());
  unlock();
  auto req = keyd_->signer().signMessageRequest();
  req.initPath(2);  // receive 0
  req.setMessage(bytes(std::string_view("redoubt")));
  auto res = req.send().wait(keyd_->ws());
  auto program = chain::segwit_address_decode("bc", kSegwitFirst).program;
  EXPECT_EQ(std::string(res.getAddress().cStr()), chain::segwit_address_encode("ncrt", 0, program));
  EXPECT_TRUE(chain::verify_message(res.getAddress().cStr(), res.getSignature().cStr(), "redoubt",
                                    chain::regtest_params()));
  auto salt = keyd_->signer().nameSaltRequest();
  salt.setName(bytes(std::string_view("d/redoubt")));
  salt.initPath(2).set(1, 3);
  EXPECT_EQ(salt.send().wait(keyd_->ws()).getSalt().size(), chain::kNameSaltLength);
}

TEST_F(KeydProcessTest, WrongPasswordAndChangePassword) {
  restore();
  Bytes before = slurp(keystore());
  EXPECT_EQ(keyd_->error_of(unlock_req("not the password")), ErrorCode::kBadPassword);
  EXPECT_EQ(slurp(keystore()), before);
  EXPECT_FALSE(unlocked());

  auto wrong = keyd_->signer().changePasswordRequest();
  wrong.setSealedOldPassword(bytes(keyd_->seal("nope", Purpose::kPassword)));
  wrong.setSealedNewPassword(bytes(keyd_->seal("new password", Purpose::kNewPassword)));
  EXPECT_EQ(keyd_->error_of(kj::mv(wrong)), ErrorCode::kBadPassword);
  EXPECT_EQ(slurp(keystore()), before);
  auto change = keyd_->signer().changePasswordRequest();
  change.setSealedOldPassword(bytes(keyd_->seal(kPassword, Purpose::kPassword)));
  change.setSealedNewPassword(bytes(keyd_->seal("new password", Purpose::kNewPassword)));
  change.send().wait(keyd_->ws());
  EXPECT_NE(slurp(keystore()), before);
  EXPECT_EQ(keyd_->error_of(unlock_req(kPassword)), ErrorCode::kBadPassword);
  EXPECT_EQ(keyd_->error_of(unlock_req("new password")), std::nullopt);
  EXPECT_TRUE(unlocked());
}

TEST_F(KeydProcessTest, EveryTamperedByteIsRejectedAndFileLeftAlone) {
  restore();
  const Bytes good = slurp(keystore());
  ASSERT_GT(good.size(), 100u);
  for (size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x80;
    spit(keystore(), bad);
    EXPECT_EQ(keyd_->error_of(unlock_req(kPassword)), ErrorCode::kCorrupt) << "byte " << i;
    EXPECT_EQ(slurp(keystore()), bad) << "keyd changed the file at byte " << i;
  }
  EXPECT_FALSE(unlocked());
  spit(keystore(), good);
  EXPECT_EQ(keyd_->error_of(unlock_req(kPassword)), std::nullopt);
}

TEST_F(KeydProcessTest, SignsMultiInputTransactionThatVerifies) {
  WatchOnly w = restore();
  unlock();
  std::vector<Prev> prevs;
  for (uint32_t i = 0; i < 6; ++i)
    prevs.push_back({10'000 + i, i == 4 ? w.p2pkh({0, i}) : w.script({0, i}), {0, i}});
  auto tx = unsigned_tx(6, {{40'000, foreign_script()}, {19'000, w.script({1, 3})}});
  attach_prev_txs(tx, prevs);
  auto res = sign_req(tx, prevs, {{1, {1, 3}}}).send().wait(keyd_->ws());
  auto signed_tx = res.getSignedTx();
  EXPECT_TRUE(verify_signed(Bytes(signed_tx.begin(), signed_tx.end()), tx, prevs));
  auto s = res.getSummary();
  EXPECT_EQ(s.getFee(), 60'015 - 59'000);
  EXPECT_EQ(s.getChange(), 19'000);
  ASSERT_EQ(s.getForeignOutputs().size(), 1u);
  EXPECT_EQ(s.getForeignOutputs()[0].getValue(), 40'000);
  EXPECT_GT(s.getVsize(), 0u);
}

TEST_F(KeydProcessTest, RefusesPathMismatchFeeAndNameGiveaway) {
  WatchOnly w = restore();
  unlock(600, /*max_fee=*/2'000, /*per_mille=*/50);
  std::vector<Prev> prevs = {{100'000, w.script({0, 1}), {0, 2}}};  // wrong path
  auto tx = unsigned_tx(1, {{99'000, foreign_script()}});
  EXPECT_EQ(keyd_->error_of(sign_req(tx, prevs)), ErrorCode::kRefused);
  prevs[0].path = {0, 1};
  EXPECT_EQ(keyd_->error_of(sign_req(tx, prevs)), std::nullopt);
  // Absolute cap: 2,001 sat.
  auto tx2 = unsigned_tx(1, {{97'999, foreign_script()}});
  EXPECT_EQ(keyd_->error_of(sign_req(tx2, prevs)), ErrorCode::kRefused);
  // Relative cap: 1,500 sat fee on 20,000 sent away is 75/1000 > 50/1000.
  auto tx3 = unsigned_tx(1, {{20'000, foreign_script()}, {78'500, w.script({1, 0})}});
  EXPECT_EQ(keyd_->error_of(sign_req(tx3, prevs, {{1, {1, 0}}})), ErrorCode::kRefused);
  auto tx4 = unsigned_tx(1, {{20'000, foreign_script()}, {79'000, w.script({1, 0})}});
  EXPECT_EQ(keyd_->error_of(sign_req(tx4, prevs, {{1, {1, 0}}})), std::nullopt);

  // A name given to a foreign address: refused unless named for transfer.
  const Bytes name = {'d', '/', 'x'};
  std::vector<Prev> nprevs = {
      {chain::kNameLockedAmount, chain::name_update_script(name, {}, w.script({0, 5})), {0, 5}},
      {100'000, w.script({0, 6}), {0, 6}}};
  auto ntx = unsigned_tx(
      2,
      {{chain::kNameLockedAmount, chain::name_update_script(name, Bytes{'v'}, foreign_script())},
       {99'500, w.script({1, 1})}},
      chain::kNameTxVersion);
  EXPECT_EQ(keyd_->error_of(sign_req(ntx, nprevs, {{1, {1, 1}}})), ErrorCode::kRefused);
  auto res = sign_req(ntx, nprevs, {{1, {1, 1}}}, {name}).send().wait(keyd_->ws());
  auto signed_tx = res.getSignedTx();
  EXPECT_TRUE(verify_signed(Bytes(signed_tx.begin(), signed_tx.end()), ntx, nprevs));
  ASSERT_EQ(res.getSummary().getNames().size(), 1u);
  EXPECT_TRUE(res.getSummary().getNames()[0].getToForeign());
  EXPECT_EQ(std::string(res.getSummary().getNames()[0].getOperation().cStr()), "name_update");
}

TEST_F(KeydProcessTest, LocksOnTimeoutAndOnRequest) {
  WatchOnly w = restore();
  unlock(/*timeout=*/1);
  EXPECT_TRUE(unlocked());
  // keyd's own timer locks it; this side sends nothing meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_FALSE(unlocked());
  std::vector<Prev> prevs = {{100'000, w.script({0, 1}), {0, 1}}};
  auto tx = unsigned_tx(1, {{99'000, foreign_script()}});
  EXPECT_EQ(keyd_->error_of(sign_req(tx, prevs)), ErrorCode::kLocked);
  unlock();
  EXPECT_TRUE(unlocked());
  keyd_->signer().lockRequest().send().wait(keyd_->ws());
  EXPECT_FALSE(unlocked());
  EXPECT_EQ(keyd_->error_of(keyd_->signer().accountsRequest()), ErrorCode::kLocked);
}

TEST_F(KeydProcessTest, ExitsOnBrokerEofAndLeavesNoCore) {
  restore();
  unlock();
  auto st = keyd_->close_and_wait();
  ASSERT_TRUE(st.has_value()) << "keyd did not exit when the broker went away";
  EXPECT_TRUE(WIFEXITED(*st));
  EXPECT_EQ(WEXITSTATUS(*st), 0);
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "keyd" / "core"));
}

TEST_F(KeydProcessTest, NoSecretInArgvOrEnvironmentAndNoCoreFiles) {
  restore();
  unlock();
  const pid_t pid = keyd_->pid();
  std::string cmdline = read_proc(pid, "cmdline");
  EXPECT_NE(cmdline.find("redoubt-keyd"), std::string::npos);  // we did read it
  EXPECT_EQ(cmdline.find(kPassword), std::string::npos);
  EXPECT_EQ(cmdline.find("bitter"), std::string::npos);
  // The broker gives keyd an empty environment (unreadable is fine too:
  // a non-dumpable process's environ needs ptrace rights).
  EXPECT_EQ(read_proc(pid, "environ"), "");
  std::string limits = read_proc(pid, "limits");
  auto at = limits.find("Max core file size");
  ASSERT_NE(at, std::string::npos);
  std::istringstream line(limits.substr(at + 18));
  std::string soft, hard;
  line >> soft >> hard;
  EXPECT_EQ(soft, "0");
  EXPECT_EQ(hard, "0");
}

// Not dumpable, observed from outside: a process of keyd's own uid, without
// capabilities, may read a dumpable sibling's /proc/PID/environ but not
// keyd's (the kernel's ptrace access check refuses non-dumpable targets).
// Run as an unprivileged uid so root's CAP_SYS_PTRACE does not mask it.
TEST(KeydDumpable, OtherProcessesOfItsUidCannotReadIt) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to an unprivileged uid";
  const uid_t nobody = 65534;
  std::string dir = make_temp_dir();
  ASSERT_EQ(chown(dir.c_str(), nobody, nobody), 0);
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    close(report[0]);
    char result = 'x';
    if (setgroups(0, nullptr) != 0 || setresgid(nobody, nobody, nobody) != 0 ||
        setresuid(nobody, nobody, nobody) != 0)
      _exit(2);
    {
      KeydProcess keyd(keyd_argv(dir));
      // Once hello is answered keyd is past its lock-down.
      keyd.signer().helloRequest().send().wait(keyd.ws());
      pid_t sibling = fork();
      if (sibling == 0) {
        // exec: a setuid() made this process tree non-dumpable; exec with
        // consistent credentials makes it dumpable again, like keyd at start.
        execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
        _exit(127);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      auto readable = [](pid_t p) {
        std::string path = "/proc/" + std::to_string(p) + "/environ";
        int fd = open(path.c_str(), O_RDONLY);
        if (fd >= 0) close(fd);
        return fd >= 0;
      };
      bool sibling_ok = readable(sibling);
      bool keyd_ok = readable(keyd.pid());
      kill(sibling, SIGKILL);
      waitpid(sibling, nullptr, 0);
      result = !sibling_ok ? 'c' : keyd_ok ? 'd' : 'k';
    }
    if (write(report[1], &result, 1) != 1) _exit(3);
    _exit(0);
  }
  close(report[1]);
  char result = 0;
  ASSERT_EQ(read(report[0], &result, 1), 1);
  close(report[0]);
  int st = 0;
  waitpid(helper, &st, 0);
  fs::remove_all(dir);
  EXPECT_NE(result, 'c') << "the probe could not read a dumpable sibling: it proves nothing";
  EXPECT_NE(result, 'd') << "keyd is dumpable";
  EXPECT_EQ(result, 'k');
}

// keyd as the broker starts it: spawn() with the "keyd" policy (namespaces,
// private view with only the keystore directory writable, no network) and
// keyd's own Landlock and seccomp. Every keystore operation and signing must
// work inside it.
TEST(KeydConfined, WorksInsideItsSandbox) {
  std::string dir = make_temp_dir();
  std::string keystore_dir = dir + "/keyd";
  ASSERT_EQ(mkdir(keystore_dir.c_str(), 0700), 0);
  {
    KeydProcess keyd(keyd_argv(dir), "keyd", keystore_dir);
    auto& ws = keyd.ws();
    auto hello = keyd.signer().helloRequest().send().wait(ws);
    EXPECT_TRUE(hello.getInfo().getConfinement().getSeccompApplied());
    EXPECT_EQ(std::string(hello.getInfo().getConfinement().getSeccompPolicy().cStr()), "keyd");
    auto restore = keyd.signer().restoreRequest();
    restore.setSealedPhrase(bytes(keyd.seal(kSegwitWords, Purpose::kPhrase)));
    restore.setSealedPassphrase(bytes(keyd.seal("", Purpose::kPassphrase)));
    restore.setSeedType(schema::SeedType::SEGWIT);
    restore.setSealedPassword(bytes(keyd.seal(kPassword, Purpose::kNewPassword)));
    restore.setNetwork(schema::NetworkId::REGTEST);
    WatchOnly w = watch_only(restore.send().wait(ws).getAccounts()[0].getXpub());
    auto change = keyd.signer().changePasswordRequest();
    change.setSealedOldPassword(bytes(keyd.seal(kPassword, Purpose::kPassword)));
    change.setSealedNewPassword(bytes(keyd.seal("second", Purpose::kNewPassword)));
    change.send().wait(ws);
    auto unlock = keyd.signer().unlockRequest();
    unlock.setSealedPassword(bytes(keyd.seal("second", Purpose::kPassword)));
    unlock.setTimeoutSeconds(60);
    unlock.getLimits().setMaxFeeSat(10'000);
    unlock.send().wait(ws);
    std::vector<Prev> prevs = {{50'000, w.script({0, 0}), {0, 0}}};
    auto tx = unsigned_tx(1, {{49'000, foreign_script()}});
    auto req = keyd.signer().signTransactionRequest();
    auto r = req.initRequest();
    r.setUnsignedTx(bytes(tx.serialize()));
    auto in = r.initInputs(1)[0];
    in.setValue(50'000);
    in.setScriptPubKey(bytes(prevs[0].script));
    in.initPath(2);
    auto res = req.send().wait(ws);
    auto signed_tx = res.getSignedTx();
    EXPECT_TRUE(verify_signed(Bytes(signed_tx.begin(), signed_tx.end()), tx, prevs));
    auto st = keyd.close_and_wait();
    ASSERT_TRUE(st.has_value());
    EXPECT_TRUE(WIFEXITED(*st)) << "status " << *st;
  }
  EXPECT_TRUE(fs::exists(keystore_dir + "/keystore"));
  EXPECT_FALSE(fs::exists(keystore_dir + "/keystore.tmp"));
  fs::remove_all(dir);
}

// The production scrypt cost (no --scrypt-test-cost): stored in the file and
// affordable inside the sandbox (128 MiB, about a second per unlock).
TEST(KeydConfined, ProductionScryptCostInsideItsSandbox) {
  std::string dir = make_temp_dir();
  std::string keystore_dir = dir + "/keyd";
  ASSERT_EQ(mkdir(keystore_dir.c_str(), 0700), 0);
  {
    KeydProcess keyd({"redoubt-keyd", "--datadir", dir, "--network", "regtest"}, "keyd",
                     keystore_dir);
    auto& ws = keyd.ws();
    auto restore = keyd.signer().restoreRequest();
    restore.setSealedPhrase(bytes(keyd.seal(kSegwitWords, Purpose::kPhrase)));
    restore.setSealedPassphrase(bytes(keyd.seal("", Purpose::kPassphrase)));
    restore.setSeedType(schema::SeedType::SEGWIT);
    restore.setSealedPassword(bytes(keyd.seal(kPassword, Purpose::kNewPassword)));
    restore.setNetwork(schema::NetworkId::REGTEST);
    restore.send().wait(ws);
    auto t0 = std::chrono::steady_clock::now();
    auto unlock = keyd.signer().unlockRequest();
    unlock.setSealedPassword(bytes(keyd.seal(kPassword, Purpose::kPassword)));
    unlock.setTimeoutSeconds(60);
    unlock.getLimits().setMaxFeeSat(10'000);
    unlock.send().wait(ws);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    printf("unlock with the production scrypt cost took %lld ms\n", static_cast<long long>(ms));
  }
  Bytes file = slurp(keystore_dir + "/keystore");
  ASSERT_GT(file.size(), 20u);
  EXPECT_EQ(file[19], 17);  // log2 N as stored: keyd/keystore.h kDefaultScrypt
  fs::remove_all(dir);
}

TEST(KeydArgs, TestCostOnlyOnRegtest) {
  std::string dir = make_temp_dir();
  KeydProcess keyd(
      {"redoubt-keyd", "--datadir", dir, "--network", "mainnet", "--scrypt-test-cost", "8"});
  auto st = keyd.close_and_wait();
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(WIFEXITED(*st));
  EXPECT_EQ(WEXITSTATUS(*st), 64);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace redoubt::keyd::test
