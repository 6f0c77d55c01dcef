// The interactive mode (`redoubt` with no command on a terminal): screens for
// balance, history, addresses and names, a send form with keyd's summary to
// confirm before anything is broadcast, and a status line fed by the broker's
// live events (Wallet.subscribe).
#pragma once

#include <kj/async-io.h>
#include <kj/async-unix.h>

#include <memory>
#include <string>
#include <vector>

#include "ui/commands.h"
#include "ui/password.h"
#include "ui/tui/frame.h"
#include "ui/tui/keys.h"
#include "ui/tui/terminal.h"

namespace redoubt::ui::tui {

enum class Screen { kBalance, kHistory, kAddresses, kNames, kSend };
constexpr int kScreenCount = 5;

// What the screens show: plain copies of the broker's answers.
struct View {
  bool have_balance = false;
  int64_t confirmed = 0, unconfirmed = 0, frozen = 0, in_names = 0;
  struct Tx {
    std::string txid;
    int32_t height = 0;
    int64_t delta = 0, balance = 0;
    bool verified = false;
  };
  // A window of the history, newest first: items [history_first,
  // history_first + history.size()) of history_total, fetched a page at a
  // time around where the user scrolls (App::follow_history).
  std::vector<Tx> history;
  size_t history_first = 0, history_total = 0;
  struct Addr {
    std::string address;
    bool change = false, used = false, frozen = false;
    int64_t balance = 0;
  };
  std::vector<Addr> addresses;
  struct Name {
    std::string name, value;
    int32_t height = 0, expires_in = 0;
    bool expired = false, pending = false;
  };
  std::vector<Name> names;
  std::string server, proxy, wallet_state, verdict = "checking";
  std::string crosscheck;  // the tip check's status; "" when none is configured
  uint32_t height = 0, target = 0, pending = 0;
  std::string error;   // why the lists could not be loaded (e.g. no wallet)
  std::string notice;  // the latest notice from the broker
};

// The send flow: edit -> building (keyd signs, nothing broadcast) -> confirm
// (keyd's summary) -> broadcasting -> done; or cancel (discarded).
struct SendState {
  enum class Stage { kEdit, kBuilding, kConfirm, kBroadcasting, kDone };
  Stage stage = Stage::kEdit;
  int field = 0;  // 0 address, 1 amount, 2 fee rate, 3 password
  std::string address, amount, fee_rate;
  Secret password;
  std::vector<std::string> summary;  // keyd's summary, as lines
  std::string txid;
  std::vector<unsigned char> raw;
  std::string message;  // the outcome or the error
};

class App {
 public:
  App(CommandContext& ctx, kj::UnixEventPort& port);
  ~App();
  // Runs until the user quits. Resolves to the exit code.
  kj::Promise<int> run();

  // From the broker's WalletEvents (ui/tui/events.cpp).
  void on_progress(uint32_t height, uint32_t target, uint32_t pending);
  void on_changed();
  void on_notice(const std::string& message);

 private:
  kj::Promise<void> read_keys();
  kj::Promise<void> watch_resize();
  void handle(const Key& k);
  void handle_send(const Key& k);
  void refresh();
  void load_history(size_t first);  // the window from `first` (newest first)
  void follow_history();            // a new window when scroll_ nears its edge
  void load_info();
  void redraw();
  void draw_screen(Frame& f, int top, int bottom);
  void draw_send(Frame& f, int top, int bottom);
  void start_send();
  void confirm_send();
  void cancel_send();
  void fail(const kj::Exception& e, std::string& into);

  CommandContext& ctx_;
  Terminal term_;
  kj::UnixEventPort::FdObserver input_, resize_;
  KeyDecoder keys_;
  Screen screen_ = Screen::kBalance;
  size_t scroll_ = 0;
  uint64_t history_request_ = 0;  // the latest window asked for; older answers are dropped
  View view_;
  SendState send_;
  bool quit_ = false;
  kj::Own<kj::PromiseFulfiller<void>> quit_fulfiller_;
  std::shared_ptr<App*> self_;  // cleared on destruction: events arriving late see null
  struct Handler : kj::TaskSet::ErrorHandler {
    void taskFailed(kj::Exception&&) override {}
  } handler_;
  kj::TaskSet tasks_;
};

// The capability the broker calls with live events (ui/tui/events.cpp).
ipc::schema::WalletEvents::Client make_events_server(std::shared_ptr<App*> app);

// Runs the interactive mode against ctx.wallet until the user quits.
kj::Promise<int> run_interactive(CommandContext& ctx, kj::UnixEventPort& port);

}  // namespace redoubt::ui::tui
