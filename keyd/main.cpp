// redoubt-keyd: the signer process. Serves schema::Signer to the broker on
// fd 3 (ipc::run_child); holds the only private keys; never opens a socket.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "chain/secure.h"
#include "ipc/child.h"
#include "ipc/sealed_box.h"
#include "keyd/rpc_server.h"
#include "sandbox/confine.h"

namespace {

using redoubt::keyd::ConfinementInfo;

int usage(const char* msg) {
  fprintf(stderr,
          "redoubt-keyd: %s\n"
          "usage: redoubt-keyd --datadir DIR --network mainnet|testnet|regtest\n"
          "       [--scrypt-test-cost LOG2N]   (regtest only: a weak keystore cost for tests)\n"
          "(started by the broker with its socket on fd 3)\n",
          msg);
  return 64;  // EX_USAGE
}

// Everything that would otherwise happen lazily on first use and needs files
// or syscalls the confinement forbids: OpenSSL's configuration and
// providers, the scrypt and HKDF implementations, libsecp256k1's context.
void warm_up() {
  OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr);
  EVP_KDF_free(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  EVP_KDF_free(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
  EVP_CIPHER_free(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  EVP_CIPHER_free(EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr));
  (void)redoubt::chain::secp_context();
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any secret exists: no core dumps, no ptrace or
  // /proc/PID/mem from same-uid processes. confine_self repeats both.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct rlimit no_core {
    0, 0
  };
  setrlimit(RLIMIT_CORE, &no_core);

  std::string datadir;
  std::optional<redoubt::chain::Network> network;
  int test_cost = -1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) return usage("missing value after an option");
    std::string_view v = argv[++i];
    if (a == "--datadir") {
      datadir = v;
    } else if (a == "--network") {
      if (v == "mainnet")
        network = redoubt::chain::Network::kMainnet;
      else if (v == "testnet")
        network = redoubt::chain::Network::kTestnet;
      else if (v == "regtest")
        network = redoubt::chain::Network::kRegtest;
      else
        return usage("unknown network");
    } else if (a == "--scrypt-test-cost") {
      char* end = nullptr;
      std::string s(v);
      long n = std::strtol(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || n < redoubt::keyd::kMinScryptLog2N ||
          n > redoubt::keyd::kMaxScryptLog2N)
        return usage("bad --scrypt-test-cost");
      test_cost = static_cast<int>(n);
    } else {
      return usage("unknown option");
    }
  }
  if (datadir.empty() || datadir[0] != '/') return usage("--datadir must be an absolute path");
  if (!network) return usage("--network is required");
  // A weak keystore cost only where no real money is: regtest coins are
  // made up. On mainnet and testnet the flag is an error, not ignored.
  redoubt::keyd::ScryptParams scrypt = redoubt::keyd::kDefaultScrypt;
  if (test_cost >= 0) {
    if (*network != redoubt::chain::Network::kRegtest)
      return usage("--scrypt-test-cost is only accepted with --network regtest");
    scrypt.log2_n = static_cast<uint8_t>(test_cost);
  }

  // The keystore directory must exist before Landlock names it.
  const std::string keyd_dir = datadir + "/keyd";
  if (mkdir(keyd_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "redoubt-keyd: cannot create %s: %s\n", keyd_dir.c_str(), strerror(errno));
    return 73;  // EX_CANTCREAT
  }
  if (chmod(keyd_dir.c_str(), 0700) != 0) {
    fprintf(stderr, "redoubt-keyd: cannot chmod %s: %s\n", keyd_dir.c_str(), strerror(errno));
    return 73;
  }
  warm_up();
  // This process's sealing key pair (ipc/sealed_box.h): made before the
  // confinement (randomness, OpenSSL's X25519), private half in locked
  // memory, wiped when keyd exits. A restarted keyd has a new one.
  auto sealing = redoubt::ipc::sealed::KeyPair::generate();
  redoubt::ipc::sealed::warm_up();

  auto confinement = std::make_shared<ConfinementInfo>();
  return redoubt::ipc::run_child(
      [&](kj::AsyncIoContext& io) -> capnp::Capability::Client {
        return kj::heap<redoubt::keyd::SignerServer>(
            std::make_unique<redoubt::keyd::Signer>(keyd_dir, *network, scrypt),
            io.provider->getTimer(), confinement, std::move(sealing));
      },
      [&] {
        redoubt::sandbox::ConfineReport r =
            redoubt::sandbox::confine_self("keyd", {{{"keystore", keyd_dir}}, 0});
        confinement->landlock_abi = r.landlock.applied_abi;
        confinement->landlock_applied = redoubt::sandbox::landlock_summary(r.landlock);
        confinement->seccomp_applied = r.seccomp;
        confinement->seccomp_policy = r.policy;
        confinement->apparmor_label = r.apparmor_label;
        confinement->notes = r.notes;
        if (r.dumpable) confinement->notes.push_back("keyd is still dumpable");
      });
}
