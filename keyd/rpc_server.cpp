#include "keyd/rpc_server.h"

#include <unistd.h>

#include <exception>
#include <utility>

#include "chain/error.h"
#include "chain/secure.h"
#include "ipc/errors.h"
#include "keyd/error.h"

namespace redoubt::keyd {
namespace {

namespace schema = ipc::schema;
using chain::ByteSpan;
using ipc::sealed::Purpose;

ipc::ErrorCode code_of(ErrorKind k) {
  switch (k) {
    case ErrorKind::kUsage:
    case ErrorKind::kExists:
      return ipc::ErrorCode::kUsage;
    case ErrorKind::kLocked:
      return ipc::ErrorCode::kLocked;
    case ErrorKind::kNoKeystore:
      return ipc::ErrorCode::kNoWallet;
    case ErrorKind::kBadPassword:
      return ipc::ErrorCode::kBadPassword;
    case ErrorKind::kCorrupt:
      return ipc::ErrorCode::kCorrupt;
    case ErrorKind::kRefused:
      return ipc::ErrorCode::kRefused;
    case ErrorKind::kInternal:
      break;
  }
  return ipc::ErrorCode::kInternal;
}

// Runs one request; every failure leaves as an ipc error the ui can show.
template <typename F>
kj::Promise<void> guarded(F&& f) {
  try {
    f();
  } catch (const KeydError& e) {
    ipc::fail(code_of(e.kind()), e.what());
  } catch (const chain::ChainError& e) {
    ipc::fail(ipc::ErrorCode::kUsage, e.what());
  } catch (const ipc::sealed::SealError& e) {
    ipc::fail(ipc::ErrorCode::kRefused, e.what());
  } catch (const kj::Exception&) {
    throw;
  } catch (const std::exception& e) {
    ipc::fail(ipc::ErrorCode::kInternal, e.what());
  }
  return kj::READY_NOW;
}

ByteSpan span(capnp::Data::Reader d) {
  return {d.begin(), d.size()};
}
kj::ArrayPtr<const kj::byte> as_data(const chain::Bytes& b) {
  return {b.data(), b.size()};
}

SeedType seed_type(schema::SeedType t) {
  switch (t) {
    case schema::SeedType::SEGWIT:
      return SeedType::kSegwit;
    case schema::SeedType::STANDARD:
      return SeedType::kStandard;
    case schema::SeedType::BIP39:
      return SeedType::kBip39;
  }
  throw KeydError(ErrorKind::kUsage, "unknown seed type");
}

schema::SeedType to_schema(SeedType t) {
  switch (t) {
    case SeedType::kSegwit:
      return schema::SeedType::SEGWIT;
    case SeedType::kStandard:
      return schema::SeedType::STANDARD;
    case SeedType::kBip39:
      return schema::SeedType::BIP39;
  }
  return schema::SeedType::SEGWIT;
}

chain::Network network(schema::NetworkId n) {
  switch (n) {
    case schema::NetworkId::MAINNET:
      return chain::Network::kMainnet;
    case schema::NetworkId::TESTNET:
      return chain::Network::kTestnet;
    case schema::NetworkId::REGTEST:
      return chain::Network::kRegtest;
  }
  throw KeydError(ErrorKind::kUsage, "unknown network");
}

chain::KeyPath key_path(capnp::List<uint32_t>::Reader p) {
  if (p.size() > kMaxRelativeDepth) throw KeydError(ErrorKind::kUsage, "key path too deep");
  chain::KeyPath out;
  for (uint32_t v : p) out.push_back(v);
  return out;
}

void set_accounts(capnp::List<schema::Account>::Builder out, const std::vector<Account>& in) {
  for (unsigned i = 0; i < in.size(); ++i) {
    out[i].setPath(in[i].path);
    out[i].setXpub(in[i].xpub);
    out[i].setScriptType(in[i].script == ScriptKind::kP2wpkh ? schema::ScriptType::P2WPKH
                                                             : schema::ScriptType::P2PKH);
  }
}

}  // namespace

SignerServer::SignerServer(std::unique_ptr<Signer> signer, kj::Timer& timer,
                           std::shared_ptr<const ConfinementInfo> confinement,
                           ipc::sealed::KeyPair sealing)
    : signer_(std::move(signer)),
      timer_(timer),
      confinement_(std::move(confinement)),
      sealing_(std::move(sealing)) {}

chain::SecureBytes SignerServer::open(capnp::Data::Reader blob, ipc::sealed::Purpose purpose) {
  chain::SecureBytes plain = sealing_.open(span(blob), purpose, signer_->network());
  // Authenticated by the tag above, so only a genuine blob is remembered.
  ipc::sealed::PublicKey sender;
  std::copy(blob.begin() + 1, blob.begin() + 1 + sender.size(), sender.begin());
  if (!opened_.insert(sender).second)
    throw ipc::sealed::SealError("this sealed secret was already used once; run the command again");
  return plain;
}

kj::Promise<void> SignerServer::lock_when_due() {
  auto deadline = signer_->deadline();
  if (!deadline) return kj::READY_NOW;
  auto left =
      std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline - Signer::Clock::now());
  int64_t ns = std::max<int64_t>(left.count(), 0) + 1'000'000;  // 1 ms past the deadline
  return timer_.afterDelay(ns * kj::NANOSECONDS).then([this]() -> kj::Promise<void> {
    if (signer_->expire()) return kj::READY_NOW;
    return lock_when_due();
  });
}

kj::Promise<void> SignerServer::hello(HelloContext context) {
  auto info = context.getResults().initInfo();
  info.setProcess("keyd");
  info.setPid(static_cast<int32_t>(::getpid()));
  info.setVersion("0.1.0");
  auto c = info.initConfinement();
  c.setLandlockAbi(confinement_->landlock_abi);
  c.setLandlockApplied(confinement_->landlock_applied);
  c.setSeccompApplied(confinement_->seccomp_applied);
  c.setSeccompPolicy(confinement_->seccomp_policy);
  c.setApparmorLabel(confinement_->apparmor_label);
  auto notes = c.initNotes(static_cast<unsigned>(confinement_->notes.size()));
  for (unsigned i = 0; i < confinement_->notes.size(); ++i) notes.set(i, confinement_->notes[i]);
  return kj::READY_NOW;
}

kj::Promise<void> SignerServer::status(StatusContext context) {
  return guarded([&] {
    Status s = signer_->status();
    auto out = context.getResults().initStatus();
    out.setHasKeystore(s.has_keystore);
    out.setUnlocked(s.unlocked);
    out.setSeedType(to_schema(s.seed_type));
    out.setUnlockSecondsLeft(s.unlock_seconds_left);
  });
}

kj::Promise<void> SignerServer::create(CreateContext context) {
  return guarded([&] {
    auto p = context.getParams();
    // Only ciphertext crossed the broker; the plaintext lives in locked
    // memory here and is wiped when it goes out of scope.
    chain::SecureBytes password = open(p.getSealedPassword(), Purpose::kNewPassword);
    chain::Network net = network(p.getNetwork());
    // Sealed before anything is written, so a bad key changes nothing.
    auto phrase_key = span(p.getPhraseKey());
    if (phrase_key.size() != ipc::sealed::kKeySize)
      throw KeydError(ErrorKind::kUsage, "create needs the ui's 32-byte phrase key");
    Created c = signer_->create(password.span(), seed_type(p.getSeedType()), net);
    auto res = context.getResults();
    // The phrase leaves keyd here, once, sealed to the ui that asked.
    res.setSealedPhrase(as_data(
        ipc::sealed::seal(phrase_key, c.phrase.span(), Purpose::kNewPhrase, signer_->network())));
    set_accounts(res.initAccounts(static_cast<unsigned>(c.accounts.size())), c.accounts);
  });
}

kj::Promise<void> SignerServer::restore(RestoreContext context) {
  return guarded([&] {
    auto p = context.getParams();
    chain::SecureBytes phrase = open(p.getSealedPhrase(), Purpose::kPhrase);
    chain::SecureBytes passphrase = open(p.getSealedPassphrase(), Purpose::kPassphrase);
    chain::SecureBytes password = open(p.getSealedPassword(), Purpose::kNewPassword);
    auto accounts = signer_->restore(phrase.view(), passphrase.view(), seed_type(p.getSeedType()),
                                     password.span(), network(p.getNetwork()));
    set_accounts(context.getResults().initAccounts(static_cast<unsigned>(accounts.size())),
                 accounts);
  });
}

kj::Promise<void> SignerServer::unlock(UnlockContext context) {
  return guarded([&] {
    auto p = context.getParams();
    auto l = p.getLimits();
    chain::SecureBytes password = open(p.getSealedPassword(), Purpose::kPassword);
    signer_->unlock(password.span(), std::chrono::seconds(p.getTimeoutSeconds()),
                    SigningLimits{l.getMaxFeeSat(), l.getMaxFeePerMille()});
    lock_timer_ = lock_when_due().eagerlyEvaluate(nullptr);
  });
}

kj::Promise<void> SignerServer::lock(LockContext context) {
  return guarded([&] {
    signer_->lock();
    lock_timer_ = kj::READY_NOW;
  });
}

kj::Promise<void> SignerServer::changePassword(ChangePasswordContext context) {
  return guarded([&] {
    auto p = context.getParams();
    chain::SecureBytes old_password = open(p.getSealedOldPassword(), Purpose::kPassword);
    chain::SecureBytes new_password = open(p.getSealedNewPassword(), Purpose::kNewPassword);
    signer_->change_password(old_password.span(), new_password.span());
  });
}

kj::Promise<void> SignerServer::accounts(AccountsContext context) {
  return guarded([&] {
    auto accounts = signer_->accounts();
    set_accounts(context.getResults().initAccounts(static_cast<unsigned>(accounts.size())),
                 accounts);
  });
}

kj::Promise<void> SignerServer::signTransaction(SignTransactionContext context) {
  return guarded([&] {
    auto r = context.getParams().getRequest();
    SignRequest req;
    auto tx = r.getUnsignedTx();
    req.unsigned_tx.assign(tx.begin(), tx.end());
    req.inputs.reserve(r.getInputs().size());
    for (auto in : r.getInputs()) {
      auto spk = in.getScriptPubKey();
      req.inputs.push_back(InputInfo{in.getValue(), chain::Bytes(spk.begin(), spk.end()),
                                     key_path(in.getPath()),
                                     chain::Bytes(in.getPrevTx().begin(), in.getPrevTx().end())});
    }
    for (auto c : r.getChange()) req.change.push_back({c.getOutputIndex(), key_path(c.getPath())});
    for (auto n : r.getTransferNames()) req.transfer_names.emplace_back(n.begin(), n.end());

    SignResult res = signer_->sign(req);
    auto out = context.getResults();
    out.setSignedTx(as_data(res.signed_tx));
    auto s = out.initSummary();
    auto foreign = s.initForeignOutputs(static_cast<unsigned>(res.summary.foreign_outputs.size()));
    for (unsigned i = 0; i < foreign.size(); ++i) {
      const auto& f = res.summary.foreign_outputs[i];
      foreign[i].setIndex(f.index);
      foreign[i].setValue(f.value);
      foreign[i].setScriptPubKey(as_data(f.script_pubkey));
    }
    s.setFee(res.summary.fee);
    s.setChange(res.summary.change);
    auto names = s.initNames(static_cast<unsigned>(res.summary.names.size()));
    for (unsigned i = 0; i < names.size(); ++i) {
      const auto& n = res.summary.names[i];
      names[i].setName(as_data(n.name));
      names[i].setOperation(n.operation);
      names[i].setValue(as_data(n.value));
      names[i].setToForeign(n.to_foreign);
    }
    s.setVsize(res.summary.vsize);
  });
}

kj::Promise<void> SignerServer::signMessage(SignMessageContext context) {
  return guarded([&] {
    auto p = context.getParams();
    auto msg = p.getMessage();
    MessageSignature sig = signer_->sign_message(
        key_path(p.getPath()),
        std::string_view(reinterpret_cast<const char*>(msg.begin()), msg.size()));
    context.getResults().setSignature(sig.signature);
    context.getResults().setAddress(sig.address);
  });
}

kj::Promise<void> SignerServer::nameSalt(NameSaltContext context) {
  return guarded([&] {
    auto p = context.getParams();
    chain::Bytes salt = signer_->name_salt(span(p.getName()), key_path(p.getPath()));
    context.getResults().setSalt(as_data(salt));
  });
}

kj::Promise<void> SignerServer::sealingKey(SealingKeyContext context) {
  const auto& k = sealing_.public_key();
  context.getResults().setPublicKey(kj::arrayPtr(k.data(), k.size()));
  return kj::READY_NOW;
}

}  // namespace redoubt::keyd
