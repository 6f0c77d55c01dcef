// The wallet engine's cross-check of our verified tip with a second server
// (config crosscheck_server): after each header sync, an isolated session
// (its own stream id, so Tor puts it on its own circuit) asks for the second
// server's tip and, when it is above ours, its headers from our tip's height;
// broker/crosscheck.h judges them. Nothing it says is stored as chain data
// and our verified chain is never changed because of it; while the servers
// disagree, anything that would broadcast is refused.
#include <ctime>

#include "broker/engine.h"
#include "broker/engine_internal.h"

namespace redoubt::broker {

using namespace engine_detail;

namespace {

// Over Tor a new circuit to a slow server can take a while; past this the
// second server counts as unreachable (the sync goes on without it).
constexpr auto kCrossCheckTimeout = 45 * kj::SECONDS;

}  // namespace

kj::Promise<void> WalletEngine::run_crosscheck() {
  if (crosscheck_server_.host.empty() || !chain_ || !store_) return kj::READY_NOW;
  const int32_t our_height = chain_->height();
  const std::string key = crosscheck_server_.host + ":" + std::to_string(crosscheck_server_.port);
  auto pinned = store_->pinned_certificate(key).value_or(chain::Bytes{});
  auto listener = std::make_shared<SessionListener>();  // no callbacks: one question, one answer
  auto ev = std::make_shared<CrossCheckEvidence>();
  auto ask = open_session(sup_.network(), crosscheck_server_, pinned,
                          random_stream_id("crosscheck-"), listener)
                 .then([this, key, listener, ev, our_height](OpenedSession opened) {
                   if (crosscheck_server_.tls && !opened.certificate.empty() &&
                       !store_->pinned_certificate(key)) {
                     // Trust on first use, as for the main server.
                     store_->pin_certificate(key, opened.certificate);
                   }
                   auto s = std::shared_ptr<ServerSession>(std::move(opened.session));
                   return s->subscribe_headers()
                       .then([s, ev, our_height](
                                 std::pair<uint32_t, chain::Bytes> tip) -> kj::Promise<void> {
                         ev->tip_height = tip.first;
                         ev->tip_header = std::move(tip.second);
                         if (tip.first <= static_cast<uint32_t>(our_height)) return kj::READY_NOW;
                         // Is our tip an ancestor of its chain? One chunk from our height.
                         auto count = static_cast<uint32_t>(std::min<int64_t>(
                             HeaderChain::kMaxChunk, int64_t{tip.first} - our_height + 1));
                         return s->get_headers(static_cast<uint32_t>(our_height), count)
                             .then([ev](std::vector<chain::Bytes> raw) {
                               ev->from_our_height = std::move(raw);
                             });
                       })
                       .then([s] { return s->close().catch_([](kj::Exception&&) {}); });
                 });
  return io_.provider->getTimer()
      .timeoutAfter(kCrossCheckTimeout, kj::mv(ask))
      .then(
          [this, ev, our_height] {
            CrossCheckVerdict v = judge_crosscheck(*chain_, our_height, *ev);
            CrossCheckReport r;
            r.status = v.status;
            r.height = our_height;
            r.server_height = static_cast<int32_t>(std::min<uint32_t>(ev->tip_height, INT32_MAX));
            r.fork_height = v.fork_height;
            r.detail = v.detail;
            record_crosscheck(std::move(r));
          },
          [this, our_height](kj::Exception&& e) {
            CrossCheckReport r;
            r.status = CrossCheckStatus::kUnreachable;
            r.height = our_height;
            r.detail = ipc::from_exception(e).what();
            record_crosscheck(std::move(r));
          })
      .catch_([this](kj::Exception&& e) {
        // Recording failed (the database?): say so; the sync goes on.
        notice_(std::string("cross-check: ") + ipc::from_exception(e).what());
      });
}

void WalletEngine::record_crosscheck(CrossCheckReport r) {
  const CrossCheckReport before = crosscheck_;
  r.server = crosscheck_server_.display();
  r.checked_at = static_cast<int64_t>(time(nullptr));
  r.this_run = true;
  crosscheck_ = r;
  // Remembered for getinfo in later runs; it is our verdict, not chain data.
  store_->set_setting(kCrossCheckSetting, encode_crosscheck(r));
  const bool changed = before.status != r.status || before.detail != r.detail;
  switch (r.status) {
    case CrossCheckStatus::kDisagree:
      if (changed) {
        notice_("WARNING: servers disagree about the chain tip: " + r.server + " " + r.detail +
                ", while " + server_.display() + " gave us height " + std::to_string(r.height) +
                "; sending is refused until they agree (redoubt getinfo shows the check)");
      }
      break;
    case CrossCheckStatus::kUnreachable:
    case CrossCheckStatus::kInvalid:
      if (changed) {
        notice_("cross-check server " + r.server +
                (r.status == CrossCheckStatus::kUnreachable ? " unreachable: " : " ignored: ") +
                r.detail + "; the chain tip is checked against " + server_.display() + " only");
      }
      break;
    case CrossCheckStatus::kAgree:
    case CrossCheckStatus::kBehind:
      if (before.status == CrossCheckStatus::kDisagree)
        notice_("servers agree again about the chain tip (" + r.server + " " + r.detail + ")");
      break;
    default:
      break;
  }
}

CrossCheckReport WalletEngine::crosscheck() const {
  if (crosscheck_server_.host.empty()) return CrossCheckReport{};
  if (crosscheck_.this_run || !store_) return crosscheck_;
  if (auto s = store_->setting(kCrossCheckSetting)) {
    auto remembered = decode_crosscheck(*s);
    if (remembered && remembered->server == crosscheck_.server) return *remembered;
  }
  return crosscheck_;
}

void WalletEngine::require_undisputed_tip() const {
  // Only this run's own check counts: a disagreement remembered from an
  // earlier run may be long resolved (and this run's check runs before any
  // command that waits for the sync).
  if (crosscheck_.this_run && crosscheck_.status == CrossCheckStatus::kDisagree)
    refuse_disputed_tip(crosscheck_, server_.display());
}

}  // namespace redoubt::broker
