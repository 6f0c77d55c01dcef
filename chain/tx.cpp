#include "chain/tx.h"

#include <algorithm>

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/serialize.h"

namespace redoubt::chain {
namespace {

// A single script or witness item can never exceed the transaction limit.
constexpr uint64_t kMaxScriptBytes = kMaxTxSize;

void read_inputs(Reader& r, std::vector<TxIn>& ins, uint64_t n) {
  ins.reserve(static_cast<size_t>(std::min<uint64_t>(n, 1024)));
  for (uint64_t i = 0; i < n; ++i) {
    TxIn in;
    in.prevout.txid = r.hash256("input prevout hash");
    in.prevout.index = r.u32le("input prevout index");
    in.script_sig = r.var_bytes(kMaxScriptBytes, "input scriptSig");
    in.sequence = r.u32le("input sequence");
    ins.push_back(std::move(in));
  }
}

void read_outputs(Reader& r, std::vector<TxOut>& outs) {
  uint64_t n = r.compact_size(kMaxTxOutputs, "output count");
  outs.reserve(static_cast<size_t>(std::min<uint64_t>(n, 1024)));
  for (uint64_t i = 0; i < n; ++i) {
    TxOut out;
    out.value = r.i64le("output value");
    out.script_pubkey = r.var_bytes(kMaxScriptBytes, "output scriptPubKey");
    outs.push_back(std::move(out));
  }
}

void write_tx(Writer& w, const Transaction& tx, bool with_witness) {
  w.i32le(tx.version);
  if (with_witness) {
    // BIP144: marker 0x00, flag 0x01.
    w.u8(0x00);
    w.u8(0x01);
  }
  w.compact_size(tx.inputs.size());
  for (const TxIn& in : tx.inputs) {
    w.bytes(in.prevout.txid);
    w.u32le(in.prevout.index);
    w.var_bytes(in.script_sig);
    w.u32le(in.sequence);
  }
  w.compact_size(tx.outputs.size());
  for (const TxOut& out : tx.outputs) {
    w.i64le(out.value);
    w.var_bytes(out.script_pubkey);
  }
  if (with_witness) {
    for (const TxIn& in : tx.inputs) {
      w.compact_size(in.witness.size());
      for (const Bytes& item : in.witness) w.var_bytes(item);
    }
  }
  w.u32le(tx.locktime);
}

}  // namespace

bool OutPoint::is_null() const {
  return index == 0xffffffff &&
         std::all_of(txid.begin(), txid.end(), [](uint8_t b) { return b == 0; });
}

bool Transaction::has_witness() const {
  return std::any_of(inputs.begin(), inputs.end(),
                     [](const TxIn& in) { return !in.witness.empty(); });
}

Bytes Transaction::serialize() const {
  Writer w;
  write_tx(w, *this, has_witness());
  return w.take();
}

Bytes Transaction::serialize_legacy() const {
  Writer w;
  write_tx(w, *this, false);
  return w.take();
}

Hash256 Transaction::txid() const {
  return sha256d(serialize_legacy());
}
Hash256 Transaction::wtxid() const {
  return sha256d(serialize());
}
size_t Transaction::size() const {
  return serialize().size();
}
size_t Transaction::base_size() const {
  return serialize_legacy().size();
}
size_t Transaction::weight() const {
  return base_size() * 3 + size();
}

Transaction read_transaction(Reader& r) {
  Transaction tx;
  tx.version = r.i32le("transaction version");
  uint64_t n_in = r.compact_size(kMaxTxInputs, "input count");
  uint8_t flags = 0;
  if (n_in == 0) {
    // Either the BIP144 marker (0x00) or a genuinely empty input list; the next
    // byte decides, exactly as in Core's UnserializeTransaction.
    flags = r.u8("segwit flag");
    if (flags != 0) {
      n_in = r.compact_size(kMaxTxInputs, "input count");
      read_inputs(r, tx.inputs, n_in);
      read_outputs(r, tx.outputs);
    }
  } else {
    read_inputs(r, tx.inputs, n_in);
    read_outputs(r, tx.outputs);
  }
  if (flags & 1) {
    flags ^= 1;
    for (TxIn& in : tx.inputs) {
      uint64_t items = r.compact_size(kMaxWitnessItems, "witness item count");
      in.witness.reserve(static_cast<size_t>(std::min<uint64_t>(items, 1024)));
      for (uint64_t i = 0; i < items; ++i)
        in.witness.push_back(r.var_bytes(kMaxScriptBytes, "witness item"));
    }
    // A witness flag with all-empty witnesses would give a second encoding of the
    // same transaction; Core rejects it ("Superfluous witness record").
    if (!tx.has_witness()) throw ChainError("superfluous witness record");
  }
  if (flags != 0) throw ChainError("unknown transaction optional data");
  tx.locktime = r.u32le("transaction locktime");
  return tx;
}

Transaction parse_transaction(ByteSpan raw) {
  if (raw.size() > kMaxTxSize) throw ChainError("transaction too large");
  Reader r(raw);
  Transaction tx = read_transaction(r);
  r.expect_end("transaction");
  return tx;
}

}  // namespace redoubt::chain
