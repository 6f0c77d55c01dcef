// The subcommands of redoubt-inspect, one function each. Convention: main()
// passes argc-1, argv+1, so argv[0] is the subcommand's own name ("seed").
// Each prints JSON on stdout and returns the process exit code (0 ok, 1 bad
// input with a one-line error on stderr, 2 usage).
#pragma once

namespace redoubt::inspect {

int cmd_seed(int argc, char** argv);

}  // namespace redoubt::inspect
