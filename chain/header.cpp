#include "chain/header.h"

#include "chain/error.h"
#include "chain/hash.h"
#include "chain/pow.h"
#include "chain/serialize.h"

namespace redoubt::chain {

Bytes PureHeader::serialize() const {
  Writer w;
  w.i32le(version);
  w.bytes(prev_hash);
  w.bytes(merkle_root);
  w.u32le(time);
  w.u32le(bits);
  w.u32le(nonce);
  return w.take();
}

Hash256 PureHeader::hash() const {
  return sha256d(serialize());
}

PureHeader read_pure_header(Reader& r) {
  PureHeader h;
  h.version = r.i32le("header version");
  h.prev_hash = r.hash256("header prev hash");
  h.merkle_root = r.hash256("header merkle root");
  h.time = r.u32le("header time");
  h.bits = r.u32le("header bits");
  h.nonce = r.u32le("header nonce");
  return h;
}

PureHeader parse_pure_header(ByteSpan raw) {
  if (raw.size() != kPureHeaderSize) throw ChainError("a block header is 80 bytes");
  Reader r(raw);
  return read_pure_header(r);
}

Bytes BlockHeader::serialize() const {
  Bytes out = base.serialize();
  if (auxpow) {
    Bytes a = auxpow->serialize();
    out.insert(out.end(), a.begin(), a.end());
  }
  return out;
}

BlockHeader read_block_header(Reader& r) {
  BlockHeader h;
  h.base = read_pure_header(r);
  if (h.base.has_auxpow_flag()) h.auxpow = read_auxpow(r);
  return h;
}

BlockHeader parse_block_header(ByteSpan raw) {
  Reader r(raw);
  BlockHeader h = read_block_header(r);
  r.expect_end("block header");
  return h;
}

Verdict check_header_pow(const BlockHeader& h, const NetworkParams& p,
                         std::optional<int32_t> height) {
  const PureHeader& b = h.base;
  // The genesis block (height 0) is never checked contextually by namecoind.
  if (height && *height > 0 && b.is_legacy() && !p.allow_legacy_blocks(*height))
    return Verdict::fail("legacy block after auxpow start");
  if (!b.is_legacy() && p.strict_chain_id && b.chain_id() != p.auxpow_chain_id)
    return Verdict::fail("block does not have our chain ID (got " + std::to_string(b.chain_id()) +
                         ")");
  if (!h.auxpow) {
    if (b.has_auxpow_flag()) return Verdict::fail("no auxpow on block with auxpow version");
    if (!check_proof_of_work(b.hash(), b.bits, p))
      return Verdict::fail("non-AUX proof of work failed");
    return Verdict::pass();
  }
  if (!b.has_auxpow_flag()) return Verdict::fail("auxpow on block with non-auxpow version");
  // namecoind: parents that themselves claim AuxPoW are refused (old-client compatibility).
  if (h.auxpow->parent.has_auxpow_flag())
    return Verdict::fail("auxpow parent block has auxpow version");
  // The parent's work is measured against OUR target.
  if (!check_proof_of_work(h.auxpow->parent.hash(), b.bits, p))
    return Verdict::fail("AUX proof of work failed");
  std::string why = auxpow_check(*h.auxpow, b.hash(), b.chain_id(), p.strict_chain_id);
  if (!why.empty()) return Verdict::fail("AUX POW is not valid: " + why);
  return Verdict::pass();
}

}  // namespace redoubt::chain
