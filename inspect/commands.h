// The subcommands of redoubt-inspect, one function each. Convention: main()
// passes argc-1, argv+1, so argv[0] is the subcommand's own name ("seed").
// Each prints JSON on stdout and returns the process exit code (0 ok, 1 bad
// input with a one-line error on stderr, 2 usage).
#pragma once

namespace redoubt::inspect {

int cmd_seed(int argc, char** argv);             // cmd_seed.cpp
int cmd_tx(int argc, char** argv);               // cmd_tx.cpp
int cmd_script(int argc, char** argv);           // cmd_tx.cpp
int cmd_address(int argc, char** argv);          // cmd_tx.cpp
int cmd_name_scripthash(int argc, char** argv);  // cmd_tx.cpp
int cmd_sighash(int argc, char** argv);          // cmd_sighash.cpp
int cmd_header(int argc, char** argv);           // cmd_header.cpp
int cmd_merkle(int argc, char** argv);           // cmd_header.cpp

}  // namespace redoubt::inspect
