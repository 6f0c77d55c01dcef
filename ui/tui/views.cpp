// Drawing the interactive mode: the tab bar, each screen's content and the
// status lines (sync progress, server, proxy, confinement verdict).
#include <algorithm>

#include "ui/command_impls.h"
#include "ui/output.h"
#include "ui/tui/app.h"

namespace redoubt::ui::tui {
namespace {

constexpr const char* kTabs[kScreenCount] = {"Balance", "History", "Addresses", "Names", "Send"};

std::string signed_amount(int64_t sat) {
  return (sat < 0 ? "-" : "+") + format_amount(sat < 0 ? -sat : sat);
}

// Lines [top, bottom) of `rows`, starting at `scroll`, under a header.
void draw_list(Frame& f, int top, int bottom, const std::string& title, const std::string& header,
               const std::vector<std::string>& rows, size_t& scroll) {
  f.line(top, title);
  f.line(top + 1, header);
  int space = bottom - (top + 2);
  if (space <= 0) return;
  size_t max_scroll = rows.size() > static_cast<size_t>(space) ? rows.size() - space : 0;
  scroll = std::min(scroll, max_scroll);
  for (int i = 0; i < space && scroll + i < rows.size(); ++i) f.line(top + 2 + i, rows[scroll + i]);
  if (rows.empty()) f.line(top + 2, "  (none)");
}

}  // namespace

void App::redraw() {
  if (quit_) return;
  Frame f(term_.size());
  std::string bar = " Redoubt ";
  for (int i = 0; i < kScreenCount; ++i) {
    std::string label = std::to_string(i + 1) + " " + kTabs[i];
    bar += i == static_cast<int>(screen_) ? "[" + label + "]" : " " + label + " ";
  }
  f.line(0, bar, true);
  int rows = f.rows();
  // Bottom: message, keys, two status lines.
  // A long notice takes two lines (the rest is cut).
  std::string notice = view_.notice.empty() ? "" : "notice: " + view_.notice;
  size_t width = static_cast<size_t>(std::max(1, f.cols()));
  int notice_lines = notice.size() > width ? 2 : 1;
  int content_bottom = rows - 3 - notice_lines;
  draw_screen(f, 2, content_bottom);
  for (int i = 0; i < notice_lines; ++i)
    f.line(content_bottom + i, notice.size() > i * width ? notice.substr(i * width) : "");
  f.line(rows - 3, screen_ == Screen::kSend
                       ? "Up/Down field  Enter review  Esc back  Ctrl-C quit"
                       : "Tab/1-5 screens  Up/Down PgUp/PgDn scroll  r refresh  q quit");
  std::string sync = "sync " + progress_bar(view_.height, view_.target, 22);
  if (view_.pending > 0) sync += " (" + std::to_string(view_.pending) + " pending)";
  std::string check = view_.crosscheck.empty() ? "" : "  | tip check: " + view_.crosscheck;
  f.line(rows - 2, sync + "  | " + view_.verdict + check, true);
  f.line(rows - 1,
         "server " + (view_.server.empty() ? std::string("-") : view_.server) + "  | proxy " +
             (view_.proxy.empty() ? std::string("-") : view_.proxy),
         true);
  Terminal::write_all(f.render());
}

void App::draw_screen(Frame& f, int top, int bottom) {
  if (screen_ == Screen::kSend) {
    draw_send(f, top, bottom);
    return;
  }
  if (!view_.error.empty() && screen_ != Screen::kBalance) {
    f.line(top, view_.error);
    return;
  }
  std::vector<std::string> rows;
  switch (screen_) {
    case Screen::kBalance: {
      f.line(top, "Balance (NMC)");
      if (!view_.have_balance) {
        f.line(top + 2, view_.error.empty() ? "  loading (waiting for the sync)..." : view_.error);
        break;
      }
      f.line(top + 2, "  confirmed    " + pad_left(format_amount(view_.confirmed), 20));
      f.line(top + 3, "  unconfirmed  " + pad_left(format_amount(view_.unconfirmed), 20));
      f.line(top + 4, "  frozen       " + pad_left(format_amount(view_.frozen), 20));
      f.line(top + 5, "  in names     " + pad_left(format_amount(view_.in_names), 20));
      f.line(top + 7, "  wallet: " + view_.wallet_state);
      break;
    }
    case Screen::kHistory: {
      for (const auto& h : view_.history) {
        rows.push_back(pad_left(h.height > 0 ? std::to_string(h.height) : "mempool", 8) + "  " +
                       pad_left(signed_amount(h.delta), 15) + "  " +
                       pad_left(format_amount(h.balance), 14) + "  " +
                       (h.height > 0 && !h.verified ? "unverified " : "") + h.txid);
      }
      // scroll_ counts from the newest of all; the rows are the window.
      size_t in_window = scroll_ > view_.history_first ? scroll_ - view_.history_first : 0;
      std::string title = "History (newest first)";
      if (view_.history_total > 0)
        title += "  " + std::to_string(std::min(scroll_ + 1, view_.history_total)) + " of " +
                 std::to_string(view_.history_total);
      draw_list(f, top, bottom, title, "  HEIGHT           AMOUNT         BALANCE  TXID", rows,
                in_window);
      if (view_.history_first + view_.history.size() >= view_.history_total)
        scroll_ = view_.history_first + in_window;  // the end of the list is in the window
      break;
    }
    case Screen::kAddresses:
      for (const auto& a : view_.addresses) {
        rows.push_back(pad(a.address, 46) + " " + pad(a.change ? "change" : "receive", 8) +
                       pad(a.used ? "used" : "unused", 7) + pad_left(format_amount(a.balance), 14) +
                       (a.frozen ? " frozen" : ""));
      }
      draw_list(
          f, top, bottom, "Addresses",
          pad("ADDRESS", 46) + " " + pad("TYPE", 8) + pad("USED", 7) + pad_left("BALANCE", 14),
          rows, scroll_);
      break;
    case Screen::kNames:
      for (const auto& n : view_.names) {
        std::string expiry = n.expired   ? "expired"
                             : n.pending ? "pending"
                                         : "expires in " + std::to_string(n.expires_in) + " blocks";
        rows.push_back(pad(n.name, 24) + " " + pad(expiry, 26) + " " + n.value);
      }
      draw_list(f, top, bottom, "Names", pad("NAME", 24) + " " + pad("EXPIRY", 26) + " VALUE", rows,
                scroll_);
      break;
    case Screen::kSend:
      break;
  }
}

}  // namespace redoubt::ui::tui
