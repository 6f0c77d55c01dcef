// Without libFuzzer: runs a fuzz target over every file of the seed corpus
// directories given as arguments, so each build exercises the target.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  size_t n = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& e : std::filesystem::directory_iterator(argv[i])) {
      if (!e.is_regular_file()) continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::vector<uint8_t> buf((std::istreambuf_iterator<char>(f)), {});
      LLVMFuzzerTestOneInput(buf.data(), buf.size());
      ++n;
    }
  }
  printf("replayed %zu inputs\n", n);
  return n > 0 ? 0 : 1;  // an empty corpus is a broken test, not a pass
}
