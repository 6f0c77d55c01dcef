#include "ui/tui/app.h"

#include <unistd.h>

#include <algorithm>

#include "ipc/errors.h"
#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"

namespace redoubt::ui::tui {

App::App(CommandContext& ctx, kj::UnixEventPort& port)
    : ctx_(ctx),
      input_(port, 0, kj::UnixEventPort::FdObserver::OBSERVE_READ),
      resize_(port, term_.winch_fd(), kj::UnixEventPort::FdObserver::OBSERVE_READ),
      self_(std::make_shared<App*>(this)),
      tasks_(handler_) {}

App::~App() {
  *self_ = nullptr;
}

kj::Promise<int> App::run() {
  auto paf = kj::newPromiseAndFulfiller<void>();
  quit_fulfiller_ = kj::mv(paf.fulfiller);
  auto sub = ctx_.wallet.subscribeRequest();
  sub.setEvents(make_events_server(self_));
  tasks_.add(sub.send().ignoreResult());
  load_info();
  refresh();
  redraw();
  return paf.promise.exclusiveJoin(read_keys()).exclusiveJoin(watch_resize()).then([] {
    return kExitOk;
  });
}

kj::Promise<void> App::read_keys() {
  return input_.whenBecomesReadable().then([this]() -> kj::Promise<void> {
    // VMIN 0: read returns 0 once the terminal's input is drained.
    char buf[256];
    for (;;) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) break;
      for (const Key& k : keys_.feed(buf, static_cast<size_t>(n))) {
        handle(k);
        if (quit_) break;
      }
      if (quit_) break;
    }
    if (quit_) return kj::NEVER_DONE;  // the quit promise wins the race
    redraw();
    return read_keys();
  });
}

kj::Promise<void> App::watch_resize() {
  return resize_.whenBecomesReadable().then([this] {
    term_.drain_winch();
    redraw();  // a full frame at the new size
    return watch_resize();
  });
}

void App::handle(const Key& k) {
  // Ctrl-C quits from anywhere, q only outside the send form (where it is a
  // letter of an address or label): the same body, deliberately two branches.
  if (k.kind == Key::kCtrlC) {  // NOLINT(bugprone-branch-clone)
    quit_ = true;
  } else if (screen_ == Screen::kSend && send_.stage != SendState::Stage::kDone) {
    handle_send(k);
    return;
  } else if (k.kind == Key::kChar && (k.ch == 'q' || k.ch == 'Q')) {
    quit_ = true;
  } else if (k.kind == Key::kTab || k.kind == Key::kRight) {
    screen_ = static_cast<Screen>((static_cast<int>(screen_) + 1) % kScreenCount);
    scroll_ = 0;
  } else if (k.kind == Key::kBackTab || k.kind == Key::kLeft) {
    screen_ = static_cast<Screen>((static_cast<int>(screen_) + kScreenCount - 1) % kScreenCount);
    scroll_ = 0;
  } else if (k.kind == Key::kChar && k.ch >= '1' && k.ch < '1' + kScreenCount) {
    screen_ = static_cast<Screen>(k.ch - '1');
    scroll_ = 0;
  } else if (k.kind == Key::kDown) {
    ++scroll_;
  } else if (k.kind == Key::kUp) {
    if (scroll_ > 0) --scroll_;
  } else if (k.kind == Key::kPageDown || k.kind == Key::kPageUp) {
    const size_t page = static_cast<size_t>(std::max(1, term_.size().rows - 8));
    scroll_ = k.kind == Key::kPageDown ? scroll_ + page : scroll_ - std::min(scroll_, page);
  } else if (k.kind == Key::kChar && k.ch == 'r') {
    load_info();
    refresh();
  } else if (screen_ == Screen::kSend) {
    handle_send(k);  // the outcome screen: a key starts a new payment
  }
  follow_history();
  if (quit_ && quit_fulfiller_) quit_fulfiller_->fulfill();
}

void App::fail(const kj::Exception& e, std::string& into) {
  into = ipc::from_exception(e).what();
}

void App::load_info() {
  tasks_.add(ctx_.wallet.getInfoRequest().send().then(
      [this](auto&& r) {
        auto i = r.getInfo();
        view_.server = i.getServer();
        view_.proxy = i.getProxy();
        view_.wallet_state = i.getWalletState();
        // The tip check with a second server (getinfo has the details); a
        // disagreement must not pass unnoticed in a status line.
        auto cc = i.getCrosscheck();
        std::string status = cc.getStatus();
        if (!cc.getThisRun() && status != "off" && status != "pending")
          status += " (last run; checking)";
        else if (status == "disagree")
          status = "DISAGREE, sends refused";
        view_.crosscheck = std::string(cc.getServer()).empty() || status == "off" ? "" : status;
        view_.height = std::max(view_.height, i.getSyncHeight());
        view_.target = std::max(view_.target, i.getServerHeight());
        redraw();
      },
      [this](kj::Exception&& e) { fail(e, view_.notice); }));
  // The verdict is the broker's audit of every child, read from /proc.
  tasks_.add(ctx_.wallet.auditRequest().send().then(
      [this](auto&& r) {
        view_.verdict = r.getOk() ? "confined (audit ok)" : "NOT CONFINED: run 'redoubt audit'";
        redraw();
      },
      [this](kj::Exception&& e) {
        view_.verdict = "unknown";
        fail(e, view_.notice);
      }));
}

void App::refresh() {
  tasks_.add(ctx_.wallet.getBalanceRequest().send().then(
      [this](auto&& r) {
        auto b = r.getBalance();
        view_.have_balance = true;
        view_.confirmed = b.getConfirmed();
        view_.unconfirmed = b.getUnconfirmed();
        view_.frozen = b.getFrozen();
        view_.in_names = b.getLockedInNames();
        view_.error.clear();
        redraw();
      },
      [this](kj::Exception&& e) {
        fail(e, view_.error);
        redraw();
      }));
  load_history(view_.history_first);
  tasks_.add(ctx_.wallet.listAddressesRequest().send().then(
      [this](auto&& r) {
        view_.addresses.clear();
        for (auto a : r.getAddresses()) {
          view_.addresses.push_back(
              {a.getAddress(), a.getChange(), a.getUsed(), a.getFrozen(), a.getBalance()});
        }
        redraw();
      },
      [](kj::Exception&&) {}));
  tasks_.add(ctx_.wallet.nameListRequest().send().then(
      [this](auto&& r) {
        view_.names.clear();
        for (auto n : r.getNames()) {
          view_.names.push_back({printable(n.getName().begin(), n.getName().size()),
                                 printable(n.getValue().begin(), n.getValue().size()),
                                 n.getHeight(), n.getExpiresIn(), n.getExpired(),
                                 n.getPending().size() > 0});
        }
        redraw();
      },
      [](kj::Exception&&) {}));
}

// The history screen holds a window of kHistoryWindow items around where the
// user is; the broker answers a page in O(page), so a 100,000-transaction
// wallet scrolls as fast as a small one and the ui never holds it all.
constexpr size_t kHistoryWindow = 400;

void App::load_history(size_t first) {
  const uint64_t id = ++history_request_;
  auto req = ctx_.wallet.historyRequest();
  req.setOffset(static_cast<uint32_t>(std::min<size_t>(first, UINT32_MAX)));
  req.setLimit(kHistoryWindow);
  req.setNewestFirst(true);
  tasks_.add(req.send().then(
      [this, id, first](auto&& r) {
        if (id != history_request_) return;  // a later window was asked for
        const size_t total = r.getTotal();
        if (r.getItems().size() == 0 && first > 0 && total > 0) {
          load_history(total > kHistoryWindow ? total - kHistoryWindow : 0);  // it shrank
          return;
        }
        view_.history.clear();
        for (auto h : r.getItems()) {
          view_.history.push_back(
              {h.getTxid(), h.getHeight(), h.getDelta(), h.getBalance(), h.getVerified()});
        }
        view_.history_first = first;
        view_.history_total = total;
        redraw();
      },
      [](kj::Exception&&) {}));
}

void App::follow_history() {
  if (screen_ != Screen::kHistory) return;
  if (view_.history_total > 0) scroll_ = std::min(scroll_, view_.history_total - 1);
  const size_t visible = static_cast<size_t>(std::max(1, term_.size().rows));
  const size_t end = view_.history_first + view_.history.size();
  if (scroll_ < view_.history_first || (scroll_ + visible > end && end < view_.history_total))
    load_history(scroll_ > kHistoryWindow / 2 ? scroll_ - kHistoryWindow / 2 : 0);
}

void App::on_progress(uint32_t height, uint32_t target, uint32_t pending) {
  const bool was_done = view_.pending == 0 && view_.target > 0 && view_.height >= view_.target;
  view_.height = height;
  view_.target = target;
  view_.pending = pending;
  // Caught up: the status facts that a sync settles (the tip check's
  // verdict, the server's state) are read again, once per catch-up.
  if (!was_done && pending == 0 && target > 0 && height >= target) load_info();
  redraw();
}

void App::on_changed() {
  refresh();
}

void App::on_notice(const std::string& message) {
  view_.notice = message;
  // A server dropped, a proxy chosen, a child restarted: the status lines'
  // facts (server, proxy, the confinement verdict) are read again.
  load_info();
  redraw();
}

kj::Promise<int> run_interactive(CommandContext& ctx, kj::UnixEventPort& port) {
  auto app = kj::heap<App>(ctx, port);
  auto& ref = *app;
  // The App (and its Terminal, which restores the screen) goes away when
  // this promise does: on quit, and when the broker's connection ends.
  return ref.run().attach(kj::mv(app));
}

}  // namespace redoubt::ui::tui
