// The Electrum protocol methods (1.4 to 1.4.3, as ElectrumX with the
// Namecoin name index answers them) over the universe, with the
// content-level misbehaviours (wrong/truncated headers, bad merkle proofs,
// wrong transactions, withheld history, fake name values).
#pragma once

#include "tests/support/electrum_server.h"

namespace redoubt::testsupport {

class Universe;

class ElectrumMethods : public ElectrumHandler {
 public:
  explicit ElectrumMethods(Universe& u) : u_(u) {}
  nlohmann::json handle(SessionState& s, const std::string& method,
                        const nlohmann::json& params) override;
  nlohmann::json headers_tip(const SessionState& s) override;
  nlohmann::json scripthash_status(const SessionState& s, const std::string& sh) override;

  static constexpr const char* kServerVersion = "ElectrumX 1.16.0";
  static constexpr int kMaxChunkSize = 2016;  // ElectrumX MAX_CHUNK_SIZE

 private:
  Universe& u_;
};

// ElectrumX formats integers in messages with thousands separators ({:,d}).
std::string with_commas(long long v);

}  // namespace redoubt::testsupport
