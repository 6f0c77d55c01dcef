// The interactive mode, driven in a pseudo-terminal against the local
// universe through the real confined process tree: navigate, send with
// keyd's summary and confirmation, cancel, resize, and quit restoring the
// terminal.
#include <fstream>

#include "tests/e2e/e2e_driver.h"
#include "tests/e2e/tui_driver.h"

namespace redoubt::test {
namespace {

class Tui : public E2E {
 protected:
  // `redoubt` with no command (no --json: a person at a terminal).
  std::vector<std::string> tui_argv() {
    return {bin("redoubt"),
            "--datadir",
            wallet_,
            "--network",
            "regtest",
            "--proxy",
            "unix:" + endpoints().socks,
            "--server",
            kServer};
  }
  // A wallet with 3 NMC confirmed; returns the funding txid.
  std::string funded() {
    create();
    return universe().fund(address(), 300'000'000, /*confirm=*/true);
  }
  size_t mempool_size() {
    return universe().with_state(
        [](auto&, auto& mempool, auto&) { return mempool.entries().size(); });
  }
  // Opens the send screen and fills the form: address, amount, fee rate, password.
  void fill_send(PtySession& s, const std::string& to, const std::string& amount) {
    s.type("5");
    ASSERT_TRUE(s.wait_text("Send NMC")) << s.screen().text();
    s.type(to);
    s.type("\t");
    s.type(amount);
    s.type("\t");
    s.type("200000");  // sat/kvB (the universe relays from 100000)
    s.type("\t");
    s.type("pw-e2e");
    ASSERT_FALSE(s.screen().contains("pw-e2e")) << "the password must not be shown";
    s.type("\r");
  }
  // A wallet with 3 NMC confirmed and a second wallet's address to pay.
  std::string funded_with_payee() {
    funded();
    std::string other = datadir() + "/other";
    create(other);
    return address(other);
  }
  // From the balance screen of a funded wallet: fills the send form and
  // waits for keyd's summary and the question.
  void ask_to_broadcast(PtySession& s, const std::string& to, const std::string& amount) {
    ASSERT_TRUE(wait_confirmed(s, "3.00000000")) << s.screen().text();
    fill_send(s, to, amount);
    ASSERT_TRUE(s.wait_text("Broadcast it?")) << s.screen().text();
  }
  // Waits for the balance screen's "confirmed" line to show `amount`.
  static bool wait_confirmed(PtySession& s, const std::string& amount) {
    return s.wait_for([&amount](const VtScreen& v) {
      std::string l = v.line_with("  confirmed ");
      return l.find(amount) != std::string::npos;
    });
  }
  // The txid on keyd's summary line "txid ...".
  static std::string summary_txid(const VtScreen& v) {
    std::string l = v.line_with("  txid ");
    auto at = l.find("txid ");
    return at == std::string::npos ? "" : l.substr(at + 5, 64);
  }
};

TEST_F(Tui, NavigatesBalanceHistoryAddressesNames) {
  std::string txid = funded();
  std::string addr = receiving().front();
  PtySession s(tui_argv(), 24, 160);  // wide enough for a whole txid
  ASSERT_TRUE(wait_confirmed(s, "3.00000000")) << s.screen().text();
  EXPECT_TRUE(s.screen().alternate()) << "full-screen mode uses the alternate screen";
  EXPECT_NE(s.screen().row(0).find("[1 Balance]"), std::string::npos) << s.screen().text();
  // The status lines: sync at the universe's height, server, proxy, verdict.
  std::string h = std::to_string(universe().height());
  ASSERT_TRUE(s.wait_text(h + "/" + h + " 100%")) << s.screen().text();
  EXPECT_NE(s.screen().row(23).find("electrum.test:50001"), std::string::npos) << s.screen().text();
  EXPECT_NE(s.screen().row(23).find(endpoints().socks.substr(0, 20)), std::string::npos)
      << s.screen().text();
  EXPECT_TRUE(s.wait_text("confined (audit ok)")) << s.screen().text();

  s.type("2");
  ASSERT_TRUE(s.wait_text("History (newest first)")) << s.screen().text();
  ASSERT_TRUE(s.wait_text(txid)) << s.screen().text();
  EXPECT_NE(s.screen().line_with(txid).find("+3.00000000"), std::string::npos) << s.screen().text();
  EXPECT_NE(s.screen().row(0).find("[2 History]"), std::string::npos);

  s.type("\t");  // Tab: the next screen
  ASSERT_TRUE(s.wait_text("Addresses")) << s.screen().text();
  ASSERT_TRUE(s.wait_text(addr)) << s.screen().text();
  EXPECT_NE(s.screen().line_with(addr).find("3.00000000"), std::string::npos) << s.screen().text();

  s.type("4");
  ASSERT_TRUE(s.wait_text("EXPIRY")) << s.screen().text();
  EXPECT_TRUE(s.screen().contains("(none)")) << s.screen().text();

  s.type("\x1b[Z");  // Shift-Tab: back to Addresses
  EXPECT_TRUE(s.wait_text("[3 Addresses]")) << s.screen().text();
  s.type("q");
  EXPECT_EQ(s.wait_exit(), 0);
}

TEST_F(Tui, NamesScreenShowsExpiry) {
  create();
  // Someone registers d/tui and transfers it to this wallet.
  universe().name_register("d/tui", "hello");
  universe().name_update("d/tui", "hello", address(), /*confirm=*/true);
  Result l = r({"name_list"});
  ASSERT_EQ(l.rc, 0) << l.err;
  ASSERT_TRUE(l.json().is_array() && l.json().size() == 1) << l.out;
  int expires_in = l.json()[0]["expires_in"].get<int>();
  ASSERT_GT(expires_in, 0);
  PtySession s(tui_argv());
  ASSERT_TRUE(s.wait_text("[1 Balance]")) << s.screen().text();
  s.type("4");
  ASSERT_TRUE(s.wait_text("d/tui")) << s.screen().text();
  std::string line = s.screen().line_with("d/tui");
  EXPECT_NE(line.find("expires in " + std::to_string(expires_in) + " blocks"), std::string::npos)
      << line;
  EXPECT_NE(line.find("hello"), std::string::npos) << line;
  s.type("q");
  EXPECT_EQ(s.wait_exit(), 0);
}

TEST_F(Tui, QuitRestoresTheTerminal) {
  create();
  PtySession s(tui_argv());
  ASSERT_TRUE(s.wait_text("[1 Balance]")) << s.screen().text();
  termios raw = s.modes();
  EXPECT_EQ(raw.c_lflag & (ECHO | ICANON), 0u) << "raw mode while the ui runs";
  s.type("q");
  ASSERT_EQ(s.wait_exit(), 0);
  EXPECT_FALSE(s.screen().alternate()) << "back on the main screen";
  termios after = s.modes();
  EXPECT_EQ(after.c_lflag, s.initial_modes().c_lflag);
  EXPECT_EQ(after.c_iflag, s.initial_modes().c_iflag);
  EXPECT_NE(after.c_lflag & ECHO, 0u);
  EXPECT_NE(after.c_lflag & ICANON, 0u);
}

TEST_F(Tui, BrokerKilledStillRestoresTheTerminal) {
  create();
  PtySession s(tui_argv());
  ASSERT_TRUE(s.wait_text("[1 Balance]")) << s.screen().text();
  ASSERT_EQ(s.modes().c_lflag & ECHO, 0u);
  kill(s.pid(), SIGKILL);  // the broker: the ui gets SIGHUP (its PDEATHSIG)
  s.wait_exit();
  // The ui, not the broker, restores: wait until the slave's modes are back.
  bool restored = false;
  for (int i = 0; i < 50 && !restored; ++i) {
    s.pump(100);
    restored = (s.modes().c_lflag & (ECHO | ICANON)) == (ECHO | ICANON);
  }
  EXPECT_TRUE(restored) << "echo and canonical mode back after the broker died";
  EXPECT_FALSE(s.screen().alternate());
}

// The broker's child named `comm` (e.g. "redoubt-ui"), or -1.
pid_t child_named(pid_t parent, const std::string& comm) {
  std::ifstream children("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) +
                         "/children");
  pid_t c;
  while (children >> c) {
    std::ifstream f("/proc/" + std::to_string(c) + "/comm");
    std::string name;
    std::getline(f, name);
    if (name == comm) return c;
  }
  return -1;
}

TEST_F(Tui, UiKilledOutrightIsRestartedAndTheTerminalStillRestored) {
  create();
  PtySession s(tui_argv());
  ASSERT_TRUE(s.wait_text("[1 Balance]")) << s.screen().text();
  pid_t ui = child_named(s.pid(), "redoubt-ui");
  ASSERT_GT(ui, 0);
  s.type("2");
  ASSERT_TRUE(s.wait_text("[2 History]"));
  kill(ui, SIGKILL);  // no handler runs: the terminal stays raw for now
  // The supervisor starts a new ui, which opens the interactive mode again.
  ASSERT_TRUE(s.wait_for([&](const VtScreen& v) {
    pid_t now = child_named(s.pid(), "redoubt-ui");
    return now > 0 && now != ui && v.row(0).find("[1 Balance]") != std::string::npos;
  })) << s.screen().text();
  s.type("q");
  s.wait_exit();
  EXPECT_EQ(s.modes().c_lflag, s.initial_modes().c_lflag) << "the broker put the user's modes back";
  EXPECT_FALSE(s.screen().alternate());
}

TEST_F(Tui, BrokerNoticesAppearOnTheScreenNotOverIt) {
  create();
  PtySession s(tui_argv());
  ASSERT_TRUE(s.wait_text("confined (audit ok)")) << s.screen().text();
  pid_t keyd = child_named(s.pid(), "redoubt-keyd");
  ASSERT_GT(keyd, 0);
  kill(keyd, SIGKILL);
  // A long notice wraps onto a second line above the key help.
  ASSERT_TRUE(s.wait_for([](const VtScreen& v) {
    for (int r = 0; r + 1 < v.rows(); ++r) {
      if (v.row(r).rfind("notice: ", 0) != 0) continue;
      std::string n = v.row(r) + v.row(r + 1);
      return n.find("keyd was killed") != std::string::npos &&
             n.find("the wallet is locked until you unlock it again") != std::string::npos;
    }
    return false;
  })) << s.screen().text();
  EXPECT_EQ(s.raw().find("redoubt: keyd"), std::string::npos)
      << "the broker's notice went to the ui, not to stderr over the screen";
  s.type("q");
  EXPECT_EQ(s.wait_exit(), 0);
}

TEST_F(Tui, SendShowsKeydSummaryAndBroadcastsOnConfirm) {
  std::string to = funded_with_payee();
  PtySession s(tui_argv());
  ASSERT_NO_FATAL_FAILURE(ask_to_broadcast(s, to, "1.25"));
  const VtScreen& v = s.screen();
  EXPECT_TRUE(v.contains("pays 1.25000000 NMC to " + to)) << v.text();
  EXPECT_TRUE(v.contains("names affected: none")) << v.text();
  EXPECT_NE(v.line_with("fee ").find("200000 sat/kvB"), std::string::npos) << v.text();
  std::string txid = summary_txid(v);
  ASSERT_EQ(txid.size(), 64u) << v.text();
  EXPECT_FALSE(universe().raw_tx(txid)) << "nothing is broadcast before the confirmation";
  s.type("y");
  ASSERT_TRUE(s.wait_text("sent: " + txid)) << s.screen().text();
  EXPECT_EQ(universe().confirmations(txid), 0) << "in the universe's mempool";
  auto tx = chain_tx(txid);
  bool paid = false;
  for (const auto& o : tx.outputs) paid = paid || o.value == 125'000'000;
  EXPECT_TRUE(paid);
  s.type("q");
  EXPECT_EQ(s.wait_exit(), 0);
}

TEST_F(Tui, CancelBroadcastsNothingAndFreesTheCoins) {
  std::string to = funded_with_payee();
  size_t before = mempool_size();
  PtySession s(tui_argv());
  ASSERT_NO_FATAL_FAILURE(ask_to_broadcast(s, to, "1"));
  std::string txid = summary_txid(s.screen());
  ASSERT_EQ(txid.size(), 64u);
  s.type("n");
  ASSERT_TRUE(s.wait_text("cancelled: nothing was broadcast")) << s.screen().text();
  s.pump(1000);
  EXPECT_EQ(mempool_size(), before) << "the universe's mempool is unchanged";
  EXPECT_FALSE(universe().raw_tx(txid));
  s.type("1");
  ASSERT_TRUE(wait_confirmed(s, "3.00000000")) << s.screen().text();
  s.type("q");
  ASSERT_EQ(s.wait_exit(), 0);
  // The discarded transaction left no trace: all 3 NMC are spendable.
  EXPECT_EQ(balance()["confirmed"], "3");
  EXPECT_TRUE(history().size() == 1) << history().dump();
}

// A transaction waits at "Broadcast it?" recorded as the wallet's own (so a
// second send cannot spend its coins). If nobody answers, because the ui or
// the broker died, it must not keep those coins spent for ever.
TEST_F(Tui, UnansweredConfirmationIsForgottenWhenTheUiDies) {
  std::string to = funded_with_payee();
  PtySession s(tui_argv());
  ASSERT_NO_FATAL_FAILURE(ask_to_broadcast(s, to, "1"));
  std::string txid = summary_txid(s.screen());
  ASSERT_EQ(txid.size(), 64u);
  pid_t ui = child_named(s.pid(), "redoubt-ui");
  ASSERT_GT(ui, 0);
  kill(ui, SIGKILL);
  // The restarted ui shows the whole balance again, nothing spent.
  ASSERT_TRUE(s.wait_for([&](const VtScreen& v) {
    pid_t now = child_named(s.pid(), "redoubt-ui");
    return now > 0 && now != ui &&
           v.line_with("  confirmed ").find("3.00000000") != std::string::npos;
  })) << s.screen().text();
  s.type("q");
  ASSERT_EQ(s.wait_exit(), 0);
  EXPECT_FALSE(universe().raw_tx(txid));
  EXPECT_EQ(balance()["confirmed"], "3");
  EXPECT_EQ(history().size(), 1u) << history().dump();
}

TEST_F(Tui, UnansweredConfirmationIsForgottenAfterTheBrokerIsKilled) {
  std::string to = funded_with_payee();
  {
    PtySession s(tui_argv());
    ASSERT_NO_FATAL_FAILURE(ask_to_broadcast(s, to, "1"));
    kill(s.pid(), SIGKILL);  // no destructor, no shutdown: only the database remains
    s.wait_exit();
  }
  // The next start forgets the unanswered transaction.
  EXPECT_EQ(balance()["confirmed"], "3");
  EXPECT_EQ(history().size(), 1u) << history().dump();
}

TEST_F(Tui, LiveUpdatesArriveWithoutAKey) {
  create();
  std::string addr = address();
  PtySession s(tui_argv());
  ASSERT_TRUE(wait_confirmed(s, "0.00000000")) << s.screen().text();
  // A payment reaches the mempool: the broker's events update the screen.
  universe().fund(addr, 200'000'000, /*confirm=*/false);
  ASSERT_TRUE(s.wait_for([](const VtScreen& v) {
    return v.line_with("  unconfirmed ").find("2.00000000") != std::string::npos;
  })) << s.screen().text();
  // A block: the sync line moves to the new height, the coins confirm.
  universe().mine(1);
  std::string h = std::to_string(universe().height());
  ASSERT_TRUE(s.wait_text("] " + h + "/" + h + " 100%")) << s.screen().text();
  EXPECT_TRUE(wait_confirmed(s, "2.00000000")) << s.screen().text();
  s.type("q");
  EXPECT_EQ(s.wait_exit(), 0);
}

TEST_F(Tui, ResizeRedrawsAtTheNewSize) {
  create();
  PtySession s(tui_argv(), 24, 80);
  ASSERT_TRUE(s.wait_text("[1 Balance]")) << s.screen().text();
  ASSERT_NE(s.screen().row(23).find("server "), std::string::npos) << s.screen().text();
  s.resize(40, 120);
  ASSERT_TRUE(s.wait_for([](const VtScreen& v) { return v.row(39).find("server ") == 0; }))
      << s.screen().text();
  EXPECT_NE(s.screen().row(0).find("[1 Balance]"), std::string::npos) << s.screen().text();
  EXPECT_EQ(s.screen().row(38).find("sync ["), 0u) << s.screen().text();
  s.resize(15, 60);
  ASSERT_TRUE(s.wait_for([](const VtScreen& v) { return v.row(14).find("server ") == 0; }))
      << s.screen().text();
  EXPECT_LE(s.screen().row(0).size(), 60u);
  s.type("q");
  EXPECT_EQ(s.wait_exit(), 0);
}

}  // namespace
}  // namespace redoubt::test
