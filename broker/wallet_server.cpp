#include "broker/wallet_server.h"

#include <unistd.h>

#include "ipc/errors.h"

namespace redoubt::broker {
namespace {

ipc::schema::NetworkId to_schema(Network n) {
  switch (n) {
    case Network::kMainnet:
      return ipc::schema::NetworkId::MAINNET;
    case Network::kTestnet:
      return ipc::schema::NetworkId::TESTNET;
    case Network::kRegtest:
      return ipc::schema::NetworkId::REGTEST;
  }
  return ipc::schema::NetworkId::MAINNET;
}

void fill_process(ipc::schema::ProcessInfo::Builder out, const ChildStatus& st) {
  out.setRole(role_name(st.role));
  out.setPid(st.pid);
  out.setAnswered(st.answered);
  out.setRestarts(st.restarts);
  auto info = out.initInfo();
  info.setProcess(role_name(st.role));
  info.setPid(st.pid);
  info.setVersion(st.version);
  auto c = info.initConfinement();
  c.setLandlockAbi(st.landlock_abi);
  c.setLandlockApplied(st.landlock);
  c.setSeccompApplied(st.seccomp);
  c.setSeccompPolicy(st.seccomp_policy);
  c.setApparmorLabel(st.apparmor);
  auto notes = c.initNotes(st.notes.size());
  for (size_t i = 0; i < st.notes.size(); ++i) notes.set(i, st.notes[i]);
}

}  // namespace

kj::Promise<void> WalletServer::invocation(InvocationContext context) {
  auto inv = context.getResults().initInvocation();
  const auto& cmd = ctx_.options.command;
  auto args = inv.initArgs(cmd.size());
  for (size_t i = 0; i < cmd.size(); ++i) args.set(i, cmd[i]);
  inv.setJson(ctx_.options.json);
  inv.setNetwork(to_schema(ctx_.options.network));
  inv.setDatadir(ctx_.options.datadir);
  inv.setInteractive(ctx_.interactive);
  inv.setAttempt(attempt_);
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::getInfo(GetInfoContext context) {
  // Answer once every child has answered hello (or failed to), so the
  // report says what is true now rather than what is still in flight.
  return ctx_.supervisor->settled().then([this, context]() mutable {
    auto info = context.getResults().initInfo();
    info.setVersion(REDOUBT_VERSION);
    info.setNetwork(to_schema(ctx_.options.network));
    info.setDatadir(ctx_.options.datadir);
    info.setWalletState("no wallet");
    auto procs = info.initProcesses(1 + kRoleCount);
    procs[0].setRole("broker");
    procs[0].setPid(getpid());
    procs[0].setAnswered(true);
    procs[0].initInfo().setProcess("broker");
    for (int i = 0; i < kRoleCount; ++i) {
      fill_process(procs[i + 1], ctx_.supervisor->status(static_cast<Role>(i)));
    }
  });
}

kj::Promise<void> WalletServer::finish(FinishContext context) {
  // Informational: the ui's real exit status is what ends the run.
  (void)context;
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::stop(StopContext context) {
  (void)context;
  ctx_.supervisor->shutdown(0);
  return kj::READY_NOW;
}

kj::Promise<void> WalletServer::create(CreateContext context) {
  // The password passes through here on its way to keyd: it stays in this
  // Cap'n Proto message and is never copied into the broker's own state.
  auto params = context.getParams();
  auto req = ctx_.supervisor->signer().createRequest();
  req.setPassword(params.getPassword());
  req.setSeedType(params.getSeedType());
  req.setNetwork(to_schema(ctx_.options.network));
  return req.send().then([context](auto&& r) mutable {
    // TODO(wallet): store r.getAccounts() as the watch-only view.
    context.getResults().setPhrase(r.getPhrase());
  });
}

kj::Promise<void> WalletServer::restore(RestoreContext context) {
  auto params = context.getParams();
  auto req = ctx_.supervisor->signer().restoreRequest();
  req.setPhrase(params.getPhrase());
  req.setSeedPassphrase(params.getSeedPassphrase());
  req.setSeedType(params.getSeedType());
  req.setPassword(params.getPassword());
  req.setNetwork(to_schema(ctx_.options.network));
  return req.send().ignoreResult();
}

kj::Promise<void> WalletServer::changePassword(ChangePasswordContext context) {
  auto params = context.getParams();
  auto req = ctx_.supervisor->signer().changePasswordRequest();
  req.setOldPassword(params.getOldPassword());
  req.setNewPassword(params.getNewPassword());
  return req.send().ignoreResult();
}

}  // namespace redoubt::broker
