#include <gtest/gtest.h>

#include "tests/sandbox/probe_runner.h"

using namespace redoubt::sandbox::testing;

TEST(SandboxEscape, Smoke) {
  for (const char* p : {"keyd", "netd", "ui"}) {
    ProbeRun r = run_probe(p, "none");
    EXPECT_EQ(r.result(), "ok") << p << ": " << r.describe();
    std::printf("%s: %s", p, r.out.c_str());
  }
}
