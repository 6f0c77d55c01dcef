#include "chain/sighash.h"

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/script.h"
#include "chain/serialize.h"

namespace redoubt::chain {
namespace {

// Core's FindAndDelete(scriptCode, OP_CODESEPARATOR) for BASE signatures:
// drops every OP_CODESEPARATOR opcode (not bytes inside pushes). A script that
// does not parse keeps its unparsable tail verbatim, as Core's serializer does.
Bytes strip_codeseparators(ByteSpan script) {
  Bytes out;
  out.reserve(script.size());
  size_t pos = 0;
  while (pos < script.size()) {
    size_t start = pos;
    uint8_t op = script[pos++];
    size_t len = 0;
    bool ok = true;
    if (op < OP_PUSHDATA1) {
      len = op;
    } else if (op == OP_PUSHDATA1) {
      if (script.size() - pos < 1)
        ok = false;
      else {
        len = script[pos];
        pos += 1;
      }
    } else if (op == OP_PUSHDATA2) {
      if (script.size() - pos < 2)
        ok = false;
      else {
        len = script[pos] | (script[pos + 1] << 8);
        pos += 2;
      }
    } else if (op == OP_PUSHDATA4) {
      if (script.size() - pos < 4) {
        ok = false;
      } else {
        len = static_cast<size_t>(script[pos]) | (static_cast<size_t>(script[pos + 1]) << 8) |
              (static_cast<size_t>(script[pos + 2]) << 16) |
              (static_cast<size_t>(script[pos + 3]) << 24);
        pos += 4;
      }
    }
    if (!ok || len > script.size() - pos) {
      out.insert(out.end(), script.begin() + static_cast<std::ptrdiff_t>(start), script.end());
      break;
    }
    pos += len;
    if (op == OP_CODESEPARATOR) continue;
    out.insert(out.end(), script.begin() + static_cast<std::ptrdiff_t>(start),
               script.begin() + static_cast<std::ptrdiff_t>(pos));
  }
  return out;
}

}  // namespace

Hash256 legacy_sighash(const Transaction& tx, size_t index, ByteSpan script_code,
                       uint32_t hash_type) {
  if (index >= tx.inputs.size()) throw ChainError("sighash input index out of range");
  const uint32_t base = hash_type & 0x1f;
  const bool anyone = (hash_type & kSighashAnyoneCanPay) != 0;
  if (base == kSighashSingle && index >= tx.outputs.size()) {
    // Bitcoin's historic SIGHASH_SINGLE bug: the "hash" is the number one.
    Hash256 one{};
    one[0] = 1;
    return one;
  }
  const Bytes code = strip_codeseparators(script_code);
  Writer w;
  w.i32le(tx.version);
  // Inputs: only ours with ANYONECANPAY; the signed input carries the script
  // code, the others an empty script; NONE/SINGLE zero the others' sequences.
  const size_t n_in = anyone ? 1 : tx.inputs.size();
  w.compact_size(n_in);
  for (size_t k = 0; k < n_in; ++k) {
    const size_t i = anyone ? index : k;
    const TxIn& in = tx.inputs[i];
    w.bytes(in.prevout.txid);
    w.u32le(in.prevout.index);
    if (i == index) {
      w.var_bytes(code);
    } else {
      w.compact_size(0);
    }
    if (i != index && (base == kSighashSingle || base == kSighashNone)) {
      w.u32le(0);
    } else {
      w.u32le(in.sequence);
    }
  }
  // Outputs: none for NONE; for SINGLE, those before ours blanked (-1, empty).
  const size_t n_out = base == kSighashNone     ? 0
                       : base == kSighashSingle ? index + 1
                                                : tx.outputs.size();
  w.compact_size(n_out);
  for (size_t i = 0; i < n_out; ++i) {
    if (base == kSighashSingle && i != index) {
      w.i64le(-1);
      w.compact_size(0);
    } else {
      w.i64le(tx.outputs[i].value);
      w.var_bytes(tx.outputs[i].script_pubkey);
    }
  }
  w.u32le(tx.locktime);
  w.u32le(hash_type);
  return sha256d(w.data());
}

SegwitPrecomputed::SegwitPrecomputed(const Transaction& tx) {
  Writer prev, seq, outs;
  for (const TxIn& in : tx.inputs) {
    prev.bytes(in.prevout.txid);
    prev.u32le(in.prevout.index);
    seq.u32le(in.sequence);
  }
  for (const TxOut& out : tx.outputs) {
    outs.i64le(out.value);
    outs.var_bytes(out.script_pubkey);
  }
  hash_prevouts = sha256d(prev.data());
  hash_sequence = sha256d(seq.data());
  hash_outputs = sha256d(outs.data());
}

Hash256 segwit_v0_sighash(const Transaction& tx, size_t index, ByteSpan script_code, int64_t amount,
                          uint32_t hash_type, const SegwitPrecomputed& pre) {
  if (index >= tx.inputs.size()) throw ChainError("sighash input index out of range");
  const uint32_t base = hash_type & 0x1f;
  const bool anyone = (hash_type & kSighashAnyoneCanPay) != 0;
  const Hash256 zero{};
  Writer w;
  w.i32le(tx.version);
  w.bytes(anyone ? zero : pre.hash_prevouts);
  w.bytes(!anyone && base != kSighashSingle && base != kSighashNone ? pre.hash_sequence : zero);
  const TxIn& in = tx.inputs[index];
  w.bytes(in.prevout.txid);
  w.u32le(in.prevout.index);
  w.var_bytes(script_code);
  w.i64le(amount);
  w.u32le(in.sequence);
  if (base != kSighashSingle && base != kSighashNone) {
    w.bytes(pre.hash_outputs);
  } else if (base == kSighashSingle && index < tx.outputs.size()) {
    Writer one;
    one.i64le(tx.outputs[index].value);
    one.var_bytes(tx.outputs[index].script_pubkey);
    w.bytes(sha256d(one.data()));
  } else {
    w.bytes(zero);
  }
  w.u32le(tx.locktime);
  w.u32le(hash_type);
  return sha256d(w.data());
}

Hash256 segwit_v0_sighash(const Transaction& tx, size_t index, ByteSpan script_code, int64_t amount,
                          uint32_t hash_type) {
  return segwit_v0_sighash(tx, index, script_code, amount, hash_type, SegwitPrecomputed(tx));
}

Bytes p2wpkh_script_code(const Hash160& h) {
  return p2pkh_script(h);
}

}  // namespace redoubt::chain
