// redoubt-inspect: an offline tool for auditors and tests. It decodes and checks
// Namecoin data with the same chain/ code the wallet uses, prints JSON on
// stdout, and exits non-zero with a one-line error on stderr for bad input.
#include <cstdio>
#include <cstring>

#include "inspect/commands.h"

namespace {

int usage() {
  std::fprintf(
      stderr,
      "usage: redoubt-inspect COMMAND ...\n"
      "  tx HEX [--network N]              decode a transaction (name operations included)\n"
      "  script HEX [--network N]          decode a script, its address and name operation\n"
      "  address ADDR [--network N]        validate an address, show its script\n"
      "  sighash --tx HEX --script HEX --index I --hashtype T [--amount SAT --segwit]\n"
      "  header HEX [--network N] [--height H] [--prev-hash H] [--target T]\n"
      "  merkle --txid T --branch H,H,.. --pos P --root R\n"
      "  name-scripthash NAME [--hex]      ElectrumX name-index script hash\n"
      "  seed check WORDS|- / seed derive WORDS|- ...\n"
      "N is mainnet (default), testnet or regtest.\n");
  return 2;
}

#ifdef REDOUBT_INSPECT_NO_SEED
int seed_unavailable(int, char**) {
  std::fprintf(stderr, "error: seed commands unavailable in this build\n");
  return 1;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  struct Command {
    const char* name;
    int (*fn)(int, char**);
  };
  static const Command kCommands[] = {
      {"tx", redoubt::inspect::cmd_tx},
      {"script", redoubt::inspect::cmd_script},
      {"address", redoubt::inspect::cmd_address},
      {"sighash", redoubt::inspect::cmd_sighash},
      {"header", redoubt::inspect::cmd_header},
      {"merkle", redoubt::inspect::cmd_merkle},
      {"name-scripthash", redoubt::inspect::cmd_name_scripthash},
#ifdef REDOUBT_INSPECT_NO_SEED
      {"seed", seed_unavailable},
#else
      {"seed", redoubt::inspect::cmd_seed},
#endif
  };
  for (const auto& c : kCommands)
    if (std::strcmp(argv[1], c.name) == 0) return c.fn(argc - 1, argv + 1);
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "help") == 0) {
    usage();
    return 0;
  }
  std::fprintf(stderr, "error: unknown command %s\n", argv[1]);
  return 2;
}
