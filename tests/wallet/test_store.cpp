// The wallet database: schema and migrations, every table's round trip,
// atomic multi-row changes, corrupt files reported and left untouched, and
// consistency after the writer is killed mid-write.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>

#include "broker/migrations.h"
#include "broker/store.h"
#include "chain/hash.h"
#include "chain/names.h"
#include "chain/script.h"
#include "tests/wallet/wallet_fixtures.h"

namespace redoubt::broker {
namespace {

using chain::Bytes;
using chain::Hash256;
using wallettest::TempDir;

Hash256 h(uint8_t b, uint8_t c = 0) {
  Hash256 x{};
  x[0] = b;
  x[1] = c;
  return x;
}

TxRecord tx_rec(const Hash256& id, int32_t height = 0) {
  TxRecord t;
  t.txid = id;
  t.raw = {1, 2, 3};
  t.height = height;
  t.first_seen = 1700000000;
  return t;
}

TEST(Store, CreatesSchemaWithPragmas) {
  TempDir d;
  Store s = Store::open(d.file("w.db"));
  EXPECT_EQ(s.schema_version(), static_cast<int>(schema_migrations().size()));
  Stmt& jm = s.db().prepare("PRAGMA journal_mode");
  ASSERT_TRUE(jm.step());
  EXPECT_EQ(jm.text(0), "wal");
  jm.reset();
  Stmt& fk = s.db().prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(fk.step());
  EXPECT_EQ(fk.i64(0), 1);
  fk.reset();
  Stmt& sy = s.db().prepare("PRAGMA synchronous");
  ASSERT_TRUE(sy.step());
  EXPECT_EQ(sy.i64(0), 2);  // FULL
  sy.reset();
  EXPECT_EQ(s.integrity_check(), "ok");
}

TEST(Store, ReopenKeepsDataAndVersion) {
  TempDir d;
  {
    Store s = Store::open(d.file("w.db"));
    s.set_setting("anonymity", "on");
  }
  Store s = Store::open(d.file("w.db"));
  EXPECT_EQ(s.setting("anonymity"), "on");
  EXPECT_EQ(s.setting("missing"), std::nullopt);
  EXPECT_EQ(s.schema_version(), static_cast<int>(schema_migrations().size()));
}

TEST(Store, SettingKeysByPrefixTakeThePrefixLiterally) {
  TempDir d;
  Store s = Store::open(d.file("w.db"));
  s.set_setting("held:bb", "1");
  s.set_setting("held:aa", "1");
  s.set_setting("heldx", "1");  // LIKE 'held_%' would match this
  s.set_setting("broadcast_pending:aa", "1");
  EXPECT_EQ(s.setting_keys("held:"), (std::vector<std::string>{"held:aa", "held:bb"}));
  EXPECT_EQ(s.setting_keys("held_"), std::vector<std::string>{});
  EXPECT_EQ(s.setting_keys("nothing"), std::vector<std::string>{});
}

TEST(Store, AccountsAndAddresses) {
  TempDir d;
  Store s = Store::open(d.file("w.db"));
  AccountRecord a;
  a.path = "m/0'";
  a.xpub = "xpub-test";
  a.script_type = chain::KeyScriptType::kP2pkh;
  a.gap_receive = 25;
  AccountId id = s.add_account(a);
  auto accs = s.accounts();
  ASSERT_EQ(accs.size(), 1u);
  EXPECT_EQ(accs[0].id, id);
  EXPECT_EQ(accs[0].script_type, chain::KeyScriptType::kP2pkh);
  EXPECT_EQ(accs[0].gap_receive, 25u);

  std::vector<AddressRecord> addrs(3);
  for (uint32_t i = 0; i < 3; ++i) {
    chain::Hash160 kh{};
    kh[0] = static_cast<uint8_t>(i);
    addrs[i].account_id = id;
    addrs[i].index = i;
    addrs[i].change = i == 2;
    addrs[i].script = chain::p2wpkh_script(kh);
    addrs[i].scripthash = chain::electrum_script_hash(addrs[i].script);
  }
  auto stored = s.add_addresses(addrs);
  EXPECT_NE(stored[0].id, stored[1].id);
  s.set_address_used(stored[1].id, true);
  s.set_address_frozen(stored[2].id, true);
  s.set_address_label(stored[0].id, "savings");
  auto got = s.addresses();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].label, "savings");
  EXPECT_TRUE(got[1].used);
  EXPECT_TRUE(got[2].frozen);
  EXPECT_TRUE(got[2].change);
  auto by = s.address_by_script(addrs[1].script);
  ASSERT_TRUE(by);
  EXPECT_EQ(by->index, 1u);
  EXPECT_EQ(by->scripthash, addrs[1].scripthash);
  // The same (account, change, index) twice violates the schema: nothing of
  // the batch is kept.
  std::vector<AddressRecord> dup = {addrs[0]};
  dup[0].script = chain::p2wpkh_script(chain::Hash160{9});
  dup[0].scripthash = "other";
  EXPECT_THROW(s.add_addresses(dup), StoreError);
  EXPECT_EQ(s.addresses().size(), 3u);
}

TEST(Store, TransactionsOutputsSpendsAndReorgRollback) {
  TempDir d;
  Store s = Store::open(d.file("w.db"));
  Bytes name_script = chain::name_update_script(chain::as_span("d/x"), chain::as_span("v"),
                                                chain::p2wpkh_script(chain::Hash160{}));
  OutputRecord o1{{h(1), 0}, 5000, chain::p2wpkh_script(chain::Hash160{}), std::nullopt, {}};
  OutputRecord o2{{h(1), 1}, 1000000, name_script, std::nullopt, {}};
  o2.name_op = chain::decode_name_script(name_script)->op;
  TxRecord t1 = tx_rec(h(1), 10);
  t1.fee = 226;
  s.put_transaction(t1, {o1, o2}, {});
  TxRecord t2 = tx_rec(h(2), 12);
  s.put_transaction(t2, {}, {{{h(1), 0}, h(2), 0}});
  s.put_transaction(tx_rec(h(3), 0), {}, {});

  auto txs = s.transactions();
  ASSERT_EQ(txs.size(), 3u);
  EXPECT_EQ(txs[0].txid, h(1));
  EXPECT_EQ(txs[2].txid, h(3));  // unconfirmed last
  EXPECT_EQ(txs[0].fee, 226);
  auto outs = s.outputs();
  ASSERT_EQ(outs.size(), 2u);
  bool saw_name = false;
  for (const auto& o : outs)
    if (o.name_op) {
      saw_name = true;
      EXPECT_EQ(o.name_op->name, Bytes({'d', '/', 'x'}));
    }
  EXPECT_TRUE(saw_name);
  auto sp = s.spends();
  ASSERT_EQ(sp.size(), 1u);
  EXPECT_EQ(sp[0].spending_txid, h(2));

  s.set_tx_confirmation(h(3), 13, 1, true);
  EXPECT_EQ(s.transaction(h(3))->height, 13);
  EXPECT_EQ(s.unconfirm_above(11), 2);
  EXPECT_EQ(s.transaction(h(1))->height, 10);
  EXPECT_EQ(s.transaction(h(2))->height, 0);
  EXPECT_FALSE(s.transaction(h(3))->verified);

  // Removing a transaction removes its outputs and spends (foreign keys).
  s.remove_transaction(h(1));
  EXPECT_TRUE(s.outputs().empty());
  s.remove_transaction(h(2));
  EXPECT_TRUE(s.spends().empty());
}

TEST(Store, OutputOfUnknownTransactionIsRefused) {
  TempDir d;
  Store s = Store::open(d.file("w.db"));
  // Foreign key: an output must belong to a stored transaction.
  EXPECT_THROW(s.db()
                   .prepare("INSERT INTO outputs(txid, vout, value, script) VALUES(?,0,1,x'00')")
                   .bind(1, chain::ByteSpan(h(7)))
                   .run(),
               StoreError);
}

TEST(Store, BatchRollsBackEverythingOnException) {
  TempDir d;
  Store s = Store::open(d.file("w.db"));
  try {
    Store::Batch b(s);
    s.set_setting("a", "1");
    s.put_transaction(tx_rec(h(4)), {}, {});  // nested batch: joins the outer one
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(s.setting("a"), std::nullopt);
  EXPECT_FALSE(s.transaction(h(4)));
}

TEST(Store, NamesQueueFrozenCertsSettings) {
  TempDir d;
  Store s = Store::open(d.file("w.db"));
  NameRecord n;
  n.name = {'d', '/', 'a'};
  n.value = {'{', '}'};
  n.outpoint = {h(5), 1};
  n.height = 100;
  n.identifier = "alice";
  s.put_name(n);
  n.value = {'x'};
  n.identifier.reset();
  s.put_name(n);  // update keeps the identifier
  auto got = s.name(n.name);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, Bytes{'x'});
  EXPECT_EQ(got->identifier, "alice");
  EXPECT_EQ(s.names().size(), 1u);

  QueuedFirstUpdate q;
  q.name = {'d', '/', 'b'};
  q.salt = Bytes(20, 7);
  q.value = {'v'};
  q.name_new = {h(6), 0};
  int64_t id = s.enqueue_firstupdate(q);
  s.set_queue_state(id, QueueState::kFailed, "no funds");
  auto queue = s.queued_firstupdates();
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].state, QueueState::kFailed);
  EXPECT_EQ(queue[0].error, "no funds");
  EXPECT_EQ(queue[0].salt, Bytes(20, 7));
  q.salt = Bytes(21, 0);  // longer than a salt may be
  EXPECT_THROW(s.enqueue_firstupdate(q), StoreError);

  s.set_coin_frozen({h(8), 3}, true);
  s.set_coin_frozen({h(8), 3}, true);
  ASSERT_EQ(s.frozen_coins().size(), 1u);
  s.set_coin_frozen({h(8), 3}, false);
  EXPECT_TRUE(s.frozen_coins().empty());

  Bytes der = {0x30, 0x82, 1, 2};
  s.pin_certificate("abc.onion:50002", der);
  EXPECT_EQ(s.pinned_certificate("abc.onion:50002"), der);
  EXPECT_EQ(s.pinned_certificate("other:1"), std::nullopt);
  s.unpin_certificate("abc.onion:50002");
  EXPECT_EQ(s.pinned_certificate("abc.onion:50002"), std::nullopt);
}

// ---- corrupt files ----

void make_wallet(const std::filesystem::path& p) {
  Store s = Store::open(p);
  for (uint8_t i = 0; i < 50; ++i) s.put_transaction(tx_rec(h(i, 1), i), {}, {});
}

void expect_open_fails_untouched(const std::filesystem::path& p, const char* hint = "backup") {
  auto before = wallettest::read_file(p);
  try {
    Store::open(p);
    FAIL() << "opened a damaged database";
  } catch (const StoreError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("untouched"), std::string::npos) << msg;
    EXPECT_NE(msg.find(hint), std::string::npos) << msg;
  }
  EXPECT_EQ(wallettest::read_file(p), before);
}

TEST(StoreCorruption, GarbageFileIsReportedAndLeftAlone) {
  TempDir d;
  auto p = d.file("w.db");
  {
    std::ofstream f(p, std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(i * 31));
  }
  expect_open_fails_untouched(p);
}

TEST(StoreCorruption, TruncatedDatabaseIsReportedAndLeftAlone) {
  TempDir d;
  auto p = d.file("w.db");
  make_wallet(p);
  auto size = std::filesystem::file_size(p);
  ASSERT_GT(size, 8192u);
  std::filesystem::resize_file(p, size / 2);
  expect_open_fails_untouched(p);
}

TEST(StoreCorruption, DamagedPageIsReportedAndLeftAlone) {
  TempDir d;
  auto p = d.file("w.db");
  make_wallet(p);
  int64_t root = 0, page_size = 0;
  {
    Store s = Store::open(p);
    Stmt& q = s.db().prepare("SELECT rootpage FROM sqlite_master WHERE name = 'transactions'");
    ASSERT_TRUE(q.step());
    root = q.i64(0);
    q.reset();
    Stmt& ps = s.db().prepare("PRAGMA page_size");
    ASSERT_TRUE(ps.step());
    page_size = ps.i64(0);
    ps.reset();
  }
  {
    // Overwrite the b-tree page header of the transactions table.
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp((root - 1) * page_size);
    for (int i = 0; i < 64; ++i) f.put(static_cast<char>(0xA5));
  }
  expect_open_fails_untouched(p);
}

TEST(StoreCorruption, NewerSchemaIsRefused) {
  TempDir d;
  auto p = d.file("w.db");
  {
    Store s = Store::open(p);
    s.db().exec("PRAGMA user_version=999");
  }
  expect_open_fails_untouched(p, "upgrade");
}

// ---- crash safety ----

// The child writes multi-row changes (a transaction with 5 outputs and 3
// spends, one SQLite transaction each) as fast as it can until SIGKILL.
[[noreturn]] void writer_child(const std::filesystem::path& p) {
  try {
    Store s = Store::open(p);
    for (uint32_t i = 0;; ++i) {
      Hash256 id{};
      std::memcpy(id.data(), &i, sizeof i);
      id[31] = 0xee;
      std::vector<OutputRecord> outs;
      for (uint32_t v = 0; v < 5; ++v)
        outs.push_back({{id, v}, 1000 + v, Bytes(22, 0x51), std::nullopt, {}});
      std::vector<SpendRecord> sp;
      for (uint32_t k = 0; k < 3; ++k) sp.push_back({{h(9), i * 3 + k}, id, k});
      s.put_transaction(tx_rec(id, static_cast<int32_t>(i)), outs, sp);
      s.set_setting("last", std::to_string(i));
    }
  } catch (...) {
    _exit(3);
  }
}

TEST(StoreCrash, KilledWriterLeavesConsistentDatabase) {
  TempDir d;
  auto p = d.file("w.db");
  { Store::open(p); }
  for (int round = 0; round < 3; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) writer_child(p);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 100 * round));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself: " << status;

    Store s = Store::open(p);
    EXPECT_EQ(s.integrity_check(), "ok");
    auto txs = s.transactions();
    EXPECT_GT(txs.size(), 0u) << "the writer wrote nothing before the kill";
    std::map<Hash256, int> outs, spends;
    for (const auto& o : s.outputs()) outs[o.outpoint.txid]++;
    for (const auto& sp : s.spends()) spends[sp.spending_txid]++;
    for (const auto& t : txs) {
      EXPECT_EQ(outs[t.txid], 5) << "half-applied transaction";
      EXPECT_EQ(spends[t.txid], 3) << "half-applied transaction";
    }
    EXPECT_EQ(outs.size(), txs.size());
    EXPECT_EQ(spends.size(), txs.size());
  }
}

}  // namespace
}  // namespace redoubt::broker
