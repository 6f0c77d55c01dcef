// Without libFuzzer: a main() that feeds every file of a corpus directory to
// LLVMFuzzerTestOneInput, so the normal build replays the seeds (and any
// crash reproducers added to the corpus) as a unit test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(data.data(), data.size());
    ++n;
  }
  std::printf("replayed %zu inputs from %s\n", n, argv[1]);
  // An empty corpus means the seeds are missing: fail rather than pass vacuously.
  return n == 0 ? 1 : 0;
}
