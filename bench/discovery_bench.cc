// Discovery throughput: the 500-module x 20-test suite (pytest --collect-only: 5.5 s),
// the file walk alone on it and on 10,000 files, and parse_source on a 1 MB module.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

/// A generated tree under the temp dir, removed at exit: `files` modules named
/// tests/<dir i % dirs>/test_mod<i>.py, each holding `body`.
fs::path make_tree(const std::string& tag, int files, int dirs, const std::string& body) {
  fs::path root = fs::temp_directory_path() / ("fastest-bench-" + tag + "-" + std::to_string(::getpid()));
  for (int i = 0; i < files; ++i) {
    fs::path pkg = root / "tests" / ("pkg" + std::to_string(i % dirs));
    fs::create_directories(pkg);
    std::ofstream(pkg / ("test_mod" + std::to_string(i) + ".py")) << body;
  }
  static std::vector<fs::path> made;
  if (made.empty())
    std::atexit([] {
      for (const fs::path& p : made) fs::remove_all(p);
    });
  made.push_back(root);
  return root;
}

// 500 modules in 10 packages, 20 module-level trivial tests each: the brief's suite.
const fs::path& suite_dir() {
  static const fs::path dir = make_tree("suite", 500, 10, trivial_module(20, 0));
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

// 10,000 modules in 100 directories (bench/scale.py's many_files shape).
const fs::path& wide_dir() {
  static const fs::path dir = make_tree("wide", 10'000, 100, "def test_0():\n    pass\n");
  return dir;
}

// The walk alone: its stats and pattern checks are part of every cached discovery pass.
void BM_FindTestFiles(benchmark::State& state, const fs::path& (*tree)()) {
  Config cfg;
  cfg.rootdir = tree();
  cfg.paths = {tree()};
  for (auto _ : state) {
    std::vector<fastest::base::CollectionError> errors;
    benchmark::DoNotOptimize(fastest::discovery::find_test_files(cfg, errors));
  }
}
BENCHMARK_CAPTURE(BM_FindTestFiles, 500, suite_dir)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_FindTestFiles, 10000, wide_dir)->Unit(benchmark::kMillisecond);

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
