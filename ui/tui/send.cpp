// The send form: address, amount and fee rate, the password (never shown),
// then keyd's summary of what it signed, and only on 'y' the broadcast. On
// cancel the held transaction is discarded and nothing leaves the wallet.
#include <algorithm>

#include "chain/address.h"
#include "chain/params.h"
#include "ipc/errors.h"
#include "ui/command_impls.h"
#include "ui/output.h"
#include "ui/sealing.h"
#include "ui/tui/app.h"

namespace redoubt::ui::tui {
namespace {

using Stage = SendState::Stage;
constexpr int kFields = 4;
constexpr size_t kMaxField = 256;  // an address or amount is far shorter

const chain::NetworkParams& params_for(ipc::schema::NetworkId n) {
  switch (n) {
    case ipc::schema::NetworkId::TESTNET:
      return chain::testnet_params();
    case ipc::schema::NetworkId::REGTEST:
      return chain::regtest_params();
    default:
      return chain::mainnet_params();
  }
}

std::string* field_text(SendState& s) {
  switch (s.field) {
    case 0:
      return &s.address;
    case 1:
      return &s.amount;
    case 2:
      return &s.fee_rate;
    default:
      return nullptr;  // the password is a Secret
  }
}

// keyd's summary, as the confirmation screen shows it.
std::vector<std::string> summary_lines(ipc::schema::SendResult::Reader r,
                                       const chain::NetworkParams& params) {
  std::vector<std::string> out;
  auto s = r.getSummary();
  int64_t leaving = 0;
  for (auto o : s.getForeignOutputs()) {
    chain::Bytes script(o.getScriptPubKey().begin(), o.getScriptPubKey().end());
    auto addr = chain::script_to_address(script, params);
    out.push_back("  pays " + format_amount(o.getValue()) + " NMC to " +
                  (addr ? *addr : "script " + hex(script.data(), script.size())));
    leaving += o.getValue();
  }
  std::string rate = s.getVsize() > 0 ? std::to_string(s.getFee() * 1000 / s.getVsize()) : "?";
  out.push_back("  fee  " + format_amount(s.getFee()) + " NMC (" + std::to_string(s.getVsize()) +
                " vbytes, " + rate + " sat/kvB)");
  out.push_back("  leaves the wallet: " + format_amount(leaving + s.getFee()) + " NMC");
  out.push_back("  change back to this wallet: " + format_amount(s.getChange()) + " NMC");
  if (s.getNames().size() == 0) out.push_back("  names affected: none");
  for (auto n : s.getNames()) {
    out.push_back("  name " + std::string(n.getOperation().cStr()) + " " +
                  printable(n.getName().begin(), n.getName().size()) +
                  (n.getToForeign() ? " (TRANSFERRED AWAY)" : ""));
  }
  out.push_back("  txid " + std::string(r.getTxid().cStr()));
  return out;
}

}  // namespace

void App::handle_send(const Key& k) {
  SendState& s = send_;
  switch (s.stage) {
    case Stage::kBuilding:
    case Stage::kBroadcasting:
      return;  // waiting for the broker; Ctrl-C still quits
    case Stage::kConfirm:
      if (k.kind == Key::kChar && (k.ch == 'y' || k.ch == 'Y')) {
        confirm_send();
      } else if ((k.kind == Key::kChar && (k.ch == 'n' || k.ch == 'N')) || k.kind == Key::kEscape) {
        cancel_send();
      }
      return;
    case Stage::kDone:
      if (k.kind == Key::kEnter) {
        std::string message = s.message;
        send_ = SendState{};
        send_.message = message;
      }
      return;
    case Stage::kEdit:
      break;
  }
  std::string* text = field_text(s);
  switch (k.kind) {
    case Key::kTab:
    case Key::kDown:
      s.field = (s.field + 1) % kFields;
      break;
    case Key::kBackTab:
    case Key::kUp:
      s.field = (s.field + kFields - 1) % kFields;
      break;
    case Key::kEscape:
      s.password = Secret();
      screen_ = Screen::kBalance;
      break;
    case Key::kEnter:
      start_send();
      break;
    case Key::kBackspace:
      if (text != nullptr && !text->empty()) text->pop_back();
      if (text == nullptr) s.password = Secret();  // no half-erased secrets
      break;
    case Key::kChar:
      if (text != nullptr) {
        if (text->size() < kMaxField) text->push_back(k.ch);
      } else {
        // A fresh Secret each time: the old buffer is wiped, never reallocated in place.
        std::string next;
        next.reserve(s.password.str().size() + 1);
        next = s.password.str();
        next.push_back(k.ch);
        if (next.size() <= 4096) s.password = Secret(std::move(next));
      }
      break;
    default:
      break;
  }
}

void App::start_send() {
  SendState& s = send_;
  int64_t sat = -1;
  if (s.address.empty()) {
    s.message = "give an address to pay";
    return;
  }
  if (s.amount != "!" && !parse_amount(s.amount, sat)) {
    s.message = "the amount is NMC with at most 8 decimals (or ! for everything)";
    return;
  }
  int64_t rate = 0;
  if (!s.fee_rate.empty()) {
    bool digits =
        s.fee_rate.size() <= 12 && s.fee_rate.find_first_not_of("0123456789") == std::string::npos;
    rate = digits ? std::stoll(s.fee_rate) : 0;
    if (rate <= 0) {
      s.message = "the fee rate is satoshi per 1000 vbytes (empty: the server's estimate)";
      return;
    }
  }
  // The password goes to keyd sealed (ui/sealing.h); the broker relays it.
  auto password = kj::heap<Secret>(std::move(s.password));
  s.password = Secret();
  s.stage = Stage::kBuilding;
  s.message = "keyd is checking and signing; nothing is broadcast yet...";
  auto sent = seal_to_keyd(ctx_).then(
      [this, rate, password = kj::mv(password), address = s.address, sat](SealToKeyd seal) mutable {
        auto req = ctx_.wallet.payToRequest();
        auto o = req.initOutputs(1);
        o[0].setDestination(address);
        o[0].setAmount(sat);
        auto opt = req.initOptions();
        opt.setFeeRate(rate);
        opt.setBroadcast(false);  // held until the user has read keyd's summary
        opt.setSealedPassword(as_blob(seal(*password, ipc::sealed::Purpose::kPassword)));
        return req.send();
      });
  tasks_.add(sent.then(
      [this](auto&& r) {
        auto res = r.getResult();
        send_.summary = summary_lines(res, params_for(ctx_.network));
        send_.txid = res.getTxid();
        send_.raw.assign(res.getRaw().begin(), res.getRaw().end());
        send_.stage = Stage::kConfirm;
        send_.message.clear();
        redraw();
      },
      [this](kj::Exception&& e) {
        send_.stage = Stage::kEdit;
        fail(e, send_.message);
        redraw();
      }));
}

void App::confirm_send() {
  send_.stage = Stage::kBroadcasting;
  send_.message = "broadcasting on its own Tor circuit...";
  auto req = ctx_.wallet.broadcastRequest();
  req.setRawTx(capnp::Data::Reader(send_.raw.data(), send_.raw.size()));
  tasks_.add(req.send().then(
      [this](auto&& r) {
        send_.stage = Stage::kDone;
        send_.message = "sent: " + std::string(r.getTxid().cStr());
        refresh();
        redraw();
      },
      [this](kj::Exception&& e) {
        // Not broadcast: give the coins back to the wallet.
        auto d = ctx_.wallet.discardRequest();
        d.setTxid(send_.txid);
        tasks_.add(d.send().ignoreResult());
        send_.stage = Stage::kDone;
        fail(e, send_.message);
        send_.message = "not sent: " + send_.message;
        redraw();
      }));
}

void App::cancel_send() {
  auto d = ctx_.wallet.discardRequest();
  d.setTxid(send_.txid);
  send_.stage = Stage::kDone;
  send_.message = "cancelled: nothing was broadcast";
  tasks_.add(d.send().then([this](auto&&) { refresh(); },
                           [this](kj::Exception&& e) {
                             fail(e, send_.message);
                             redraw();
                           }));
}

void App::draw_send(Frame& f, int top, int bottom) {
  const SendState& s = send_;
  (void)bottom;
  if (s.stage == Stage::kConfirm) {
    f.line(top, "Confirm: keyd signed this payment and summarises it. Nothing is broadcast yet.");
    int r = top + 2;
    for (const auto& l : s.summary) f.line(r++, l);
    f.line(r + 1, "Broadcast it? y = broadcast, n or Esc = cancel");
    return;
  }
  f.line(top, "Send NMC");
  auto row = [&](int i, const std::string& label, const std::string& value) {
    bool on = s.stage == Stage::kEdit && s.field == i;
    f.line(top + 2 + i, std::string(on ? "> " : "  ") + pad(label, 10) + value + (on ? "_" : ""));
  };
  row(0, "Pay to:", s.address);
  row(1, "Amount:", s.amount + (s.field == 1 ? "" : "  (NMC, ! = everything)"));
  row(2, "Fee rate:", s.fee_rate + (s.fee_rate.empty() ? "  (sat/kvB; empty = estimate)" : ""));
  row(3, "Password:", s.password.empty() ? "(not shown)" : "(typed, not shown)");
  // The message (an error can be long): wrapped over up to four lines.
  size_t w = static_cast<size_t>(std::max(20, f.cols()));
  int r = top + 7;
  for (size_t at = 0; at < s.message.size() && r < top + 11; at += w) {
    f.line(r++, s.message.substr(at, w));
  }
  if (s.stage == Stage::kDone) f.line(r + 1, "Enter: a new payment; Tab: other screens");
}

}  // namespace redoubt::ui::tui
