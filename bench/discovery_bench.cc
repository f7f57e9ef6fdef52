// Discovery throughput: the 500-module x 20-test suite (pytest --collect-only: 5.5 s)
// and parse_source on a 1 MB module.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "discovery/discovery.h"

namespace {

namespace fs = std::filesystem;
using fastest::discovery::Config;

std::string trivial_module(int tests_per_class, int classes) {
  std::string s = "import pytest\n\n";
  for (int t = 0; t < tests_per_class; ++t) s += "def test_f" + std::to_string(t) + "():\n    assert 1 + 1 == 2\n\n";
  for (int c = 0; c < classes; ++c) {
    s += "class TestC" + std::to_string(c) + ":\n";
    for (int t = 0; t < tests_per_class; ++t) {
      s += "    @pytest.mark.parametrize('x', [1, 2])\n    def test_m" + std::to_string(t) +
           "(self, x):\n        assert x\n\n";
    }
  }
  return s;
}

// 500 modules in 10 packages, 20 module-level trivial tests each: the brief's suite.
const fs::path& suite_dir() {
  static const fs::path dir = [] {
    fs::path root = fs::temp_directory_path() / ("fastest-bench-" + std::to_string(::getpid()));
    std::string body = trivial_module(20, 0);
    for (int i = 0; i < 500; ++i) {
      fs::path pkg = root / "tests" / ("pkg" + std::to_string(i % 10));
      fs::create_directories(pkg);
      std::ofstream(pkg / ("test_mod" + std::to_string(i) + ".py")) << body;
    }
    std::atexit([] { fs::remove_all(fs::temp_directory_path() / ("fastest-bench-" + std::to_string(::getpid()))); });
    return root;
  }();
  return dir;
}

void BM_DiscoverSuite500x20(benchmark::State& state) {
  Config cfg;
  cfg.rootdir = suite_dir();
  cfg.paths = {suite_dir()};
  std::size_t items = 0;
  for (auto _ : state) {
    fastest::discovery::Discovery d = fastest::discovery::discover(cfg);
    items = 0;
    for (const auto& f : d.files) items += f.items.size();
    benchmark::DoNotOptimize(items);
  }
  state.counters["tests"] = static_cast<double>(items);
  state.counters["tests/s"] =
      benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DiscoverSuite500x20)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FindTestFiles500(benchmark::State& state) {
  Config cfg;
  cfg.rootdir = suite_dir();
  cfg.paths = {suite_dir()};
  for (auto _ : state) {
    std::vector<fastest::base::CollectionError> errors;
    benchmark::DoNotOptimize(fastest::discovery::find_test_files(cfg, errors));
  }
}
BENCHMARK(BM_FindTestFiles500)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ParseSource1MB(benchmark::State& state) {
  std::string src;
  while (src.size() < (1u << 20)) src += trivial_module(10, 3);
  Config cfg;
  for (auto _ : state) {
    fastest::discovery::ParsedFile f = fastest::discovery::parse_source("test_big.py", src, cfg);
    benchmark::DoNotOptimize(f.items.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(src.size()));
}
BENCHMARK(BM_ParseSource1MB)->Unit(benchmark::kMillisecond);

}  // namespace
