#include "broker/message_signing.h"

#include "chain/address.h"
#include "chain/error.h"
#include "chain/message.h"
#include "ipc/errors.h"

namespace redoubt::broker {
namespace {

using ipc::ErrorCode;

chain::Bytes script_of(const std::string& address, const chain::NetworkParams& params) {
  try {
    return chain::address_to_script(address, params);
  } catch (const chain::ChainError& e) {
    ipc::fail(ErrorCode::kUsage,
              "'" + address + "' is not a valid " + params.name + " address: " + e.what());
  }
}

}  // namespace

kj::Promise<std::string> sign_message(WalletEngine& engine, ipc::schema::Signer::Client signer,
                                      const std::string& address, chain::Bytes message,
                                      chain::Bytes sealed_password) {
  WalletModel& model = engine.model();
  chain::Bytes script = script_of(address, engine.params());
  const AddressRecord* rec = model.address_by_script(script);
  if (rec == nullptr) ipc::fail(ErrorCode::kUsage, address + " is not an address of this wallet");
  // keyd takes the path below the account (signer.capnp): chain, index.
  chain::KeyPath path{rec->change ? 1u : 0u, rec->index};

  auto unlock = signer.unlockRequest();
  unlock.setSealedPassword(capnp::Data::Reader(sealed_password.data(), sealed_password.size()));
  unlock.setTimeoutSeconds(60);
  unlock.getLimits().setMaxFeeSat(1);  // no transaction fits under this cap
  unlock.getLimits().setMaxFeePerMille(0);
  auto sign = signer.signMessageRequest();
  auto p = sign.initPath(static_cast<unsigned>(path.size()));
  for (unsigned i = 0; i < path.size(); ++i) p.set(i, path[i]);
  sign.setMessage(capnp::Data::Reader(message.data(), message.size()));

  auto relock = [signer]() mutable { return signer.lockRequest().send().ignoreResult(); };
  return unlock.send()
      .then([sign = kj::mv(sign)](auto&&) mutable { return sign.send(); })
      .then(
          [relock, address](auto&& r) mutable {
            std::string signature = r.getSignature();
            std::string signed_by = r.getAddress();
            return relock().then([signature, signed_by, address]() {
              if (signed_by != address)
                ipc::fail(ErrorCode::kInternal,
                          "keyd signed with the key of " + signed_by + ", not " + address);
              return signature;
            });
          },
          [relock](kj::Exception&& e) mutable {
            return relock().then(
                [e = kj::mv(e)]() mutable -> std::string { kj::throwFatalException(kj::mv(e)); });
          });
}

bool verify_message(const WalletEngine& engine, const std::string& address,
                    const chain::Bytes& message, const std::string& signature) {
  (void)script_of(address, engine.params());
  return chain::verify_message(
      address, signature,
      std::string_view(reinterpret_cast<const char*>(message.data()), message.size()),
      engine.params());
}

}  // namespace redoubt::broker
