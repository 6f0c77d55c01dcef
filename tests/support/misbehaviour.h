// The ways the test Electrum server can lie or misbehave, so a client's
// defences are tested against something real.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redoubt::testsupport {

enum class Misbehaviour {
  none,
  wrong_headers,      // headers with a flipped prev-hash byte: the chain does not link
  truncated_headers,  // each header one byte short
  bad_merkle,         // merkle branches with a flipped byte: proofs do not verify
  wrong_tx,           // transaction.get returns bytes whose hash is not the txid asked for
  withhold_history,   // scripthash history/listunspent/balance empty, name index empty
  fake_name_value,    // name values rewritten in served transactions (tx no longer matches proofs)
  huge_line,          // every reply padded to a line of huge_line_bytes
  endless_line,       // after the first request: an endless line without '\n'
  stall,              // reads requests, never answers
  drop,               // closes the connection on the first request
  // ElectrumX's known bug: name-index history keeps entries of blocks that a
  // reorg orphaned. Our server is correct by default; wallets must tolerate this.
  stale_name_history,
};

std::string_view to_string(Misbehaviour m);
std::optional<Misbehaviour> misbehaviour_from_string(std::string_view s);

// Which connections a newly set mode applies to.
enum class MisbehaviourScope {
  next_connection,  // the next accepted connection only, for its lifetime
  all_connections,  // every connection (open ones included) until changed
};

}  // namespace redoubt::testsupport
