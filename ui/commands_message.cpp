// signmessage / verifymessage, as Electrum-NMC names them: the JSON result
// is the base64 signature, or true/false.
#include <iostream>

#include "ui/command_impls.h"
#include "ui/exit_codes.h"
#include "ui/output.h"
#include "ui/password.h"
#include "ui/sealing.h"

namespace redoubt::ui {
namespace {

capnp::Data::Reader text_data(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

}  // namespace

kj::Promise<int> cmd_signmessage(CommandContext& ctx) {
  if (ctx.args.size() != 2) return usage("signmessage ADDRESS MESSAGE");
  auto password = kj::heap<Secret>(read_secret("Password: "));
  return seal_to_keyd(ctx)
      .then([&ctx, password = kj::mv(password)](SealToKeyd seal) mutable {
        auto req = ctx.wallet.signMessageRequest();
        req.setAddress(ctx.args[0]);
        req.setMessage(text_data(ctx.args[1]));
        req.setSealedPassword(as_blob(seal(*password, ipc::sealed::Purpose::kPassword)));
        return req.send();
      })
      .then([&ctx](auto&& r) {
        if (ctx.json) {
          print_json(Json(r.getSignature().cStr()));
        } else {
          std::cout << r.getSignature().cStr() << "\n";
        }
        return kExitOk;
      });
}

kj::Promise<int> cmd_verifymessage(CommandContext& ctx) {
  if (ctx.args.size() != 3) return usage("verifymessage ADDRESS SIGNATURE MESSAGE");
  auto req = ctx.wallet.verifyMessageRequest();
  req.setAddress(ctx.args[0]);
  req.setSignature(ctx.args[1]);
  req.setMessage(text_data(ctx.args[2]));
  return req.send().then([&ctx](auto&& r) {
    bool valid = r.getValid();
    if (ctx.json) {
      print_json(Json(valid));
    } else {
      std::cout << (valid ? "true" : "false") << "\n";
    }
    return kExitOk;
  });
}

}  // namespace redoubt::ui
