// Store budgets (issue 4): recording 100,000 results must take < 300 ms.
//   build-store/bench/store_bench --benchmark_filter=Record
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/history_store.h"

namespace {

using fastest::base::Outcome;
using fastest::base::TestResult;
using fastest::store::HistoryStore;
namespace fs = std::filesystem;

/// `n` results of a realistic shape: 500 modules, ids ~60 bytes, mostly passing, in the
/// order a controller reports them (module by module).
std::vector<TestResult> make_results(int n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::lognormal_distribution<double> dur(-5.0, 1.5);
  std::vector<TestResult> out(n);
  const int per_module = std::max(1, n / 500);
  for (int i = 0; i < n; ++i) {
    TestResult& r = out[i];
    const int module = i / per_module;
    r.file = "tests/pkg_" + std::to_string(module % 50) + "/test_module_" + std::to_string(module) + ".py";
    r.node_id = r.file + "::TestThing::test_case_" + std::to_string(i);
    r.outcome = i % 97 == 0 ? Outcome::failed : (i % 41 == 0 ? Outcome::skipped : Outcome::passed);
    r.setup_s = dur(rng) / 10;
    r.call_s = dur(rng);
    r.teardown_s = dur(rng) / 10;
    r.worker = i % 4;
    r.start_offset_s = i * 0.001;
    if (r.outcome == Outcome::failed) r.message = "AssertionError: assert 1 == 2";
  }
  return out;
}

std::unique_ptr<HistoryStore> open_store(bool on_disk, const fs::path& path) {
  auto s = on_disk ? HistoryStore::open(path) : HistoryStore::open_memory();
  if (!s.ok()) std::abort();
  return std::move(s).value();
}

/// Records 100,000 results of one run in batches of range(1) results (one transaction each),
/// as the controller does during a run, then finishes the run. range(0): 0 = in memory,
/// 1 = temp file (WAL). range(2): 0 = the suite ran before (statistics are updated, the
/// steady state), 1 = first run (every test is new).
void BM_RecordResults(benchmark::State& state) {
  const bool on_disk = state.range(0) == 1;
  const auto batch = static_cast<std::size_t>(state.range(1));
  const bool first_run = state.range(2) == 1;
  const auto results = make_results(100'000, 1);
  const fs::path dir = fs::temp_directory_path() / ("fastest-store-bench-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const fs::path path = dir / ("h" + std::to_string(round++) + ".db");
    auto store = open_store(on_disk, path);
    if (!first_run) {
      // A previous run of the same suite, so statistics are updated rather than created.
      auto prev = store->begin_run({});
      if (!prev.ok() || !store->record_results(*prev, results).ok()) std::abort();
      if (!store->finish_run(*prev, {}).ok()) std::abort();
    }
    auto run = store->begin_run({});
    if (!run.ok()) std::abort();
    // The app reads history() to plan before it records anything (BM_History times that).
    benchmark::DoNotOptimize(store->history());
    state.ResumeTiming();
    for (std::size_t i = 0; i < results.size(); i += batch) {
      const std::size_t n = std::min(batch, results.size() - i);
      if (!store->record_results(*run, std::span(results).subspan(i, n)).ok()) std::abort();
    }
    if (!store->finish_run(*run, {}).ok()) std::abort();
    state.PauseTiming();
    store.reset();
    fs::remove_all(dir);
    fs::create_directories(dir);
    state.ResumeTiming();
  }
  fs::remove_all(dir);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(results.size()));
}
BENCHMARK(BM_RecordResults)
    ->ArgNames({"disk", "batch", "first"})
    ->Args({0, 100'000, 0})
    ->Args({1, 100'000, 0})
    ->Args({0, 1'000, 0})
    ->Args({1, 1'000, 0})
    ->Args({1, 100, 0})
    ->Args({1, 1'000, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

/// history() on a store holding statistics for 100,000 tests (what planning a run reads).
void BM_History(benchmark::State& state) {
  const auto results = make_results(100'000, 2);
  const fs::path dir = fs::temp_directory_path() / ("fastest-store-bench-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  {
    auto store = open_store(true, dir / "h.db");
    for (int r = 0; r < 3; ++r) {
      auto run = store->begin_run({});
      if (!run.ok() || !store->record_results(*run, results).ok() || !store->finish_run(*run, {}).ok()) std::abort();
    }
  }
  for (auto _ : state) {
    auto store = open_store(true, dir / "h.db");  // a fresh process: open (with checks) + read
    auto h = store->history();
    if (h.test_seconds.size() != results.size()) std::abort();
    benchmark::DoNotOptimize(h);
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_History)->Unit(benchmark::kMillisecond)->Iterations(5);

/// `fastest db merge`: two shard files restored from one 100,000-test cache (3 runs), each
/// having run half of the tests, merged into a fresh file.
void BM_MergeShards(benchmark::State& state) {
  const auto results = make_results(100'000, 3);
  const fs::path dir = fs::temp_directory_path() / ("fastest-store-bench-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  {
    auto cache = open_store(true, dir / "cache.db");
    for (int r = 0; r < 3; ++r) {
      auto run = cache->begin_run({});
      if (!run.ok() || !cache->record_results(*run, results).ok() || !cache->finish_run(*run, {}).ok()) std::abort();
    }
    if (!cache->export_to(dir / "a.db").ok() || !cache->export_to(dir / "b.db").ok()) std::abort();
  }
  const std::size_t half = results.size() / 2;
  for (const auto& [name, part] :
       {std::pair{"a.db", std::span(results).first(half)}, std::pair{"b.db", std::span(results).subspan(half)}}) {
    auto shard = open_store(true, dir / name);
    auto run = shard->begin_run({});
    if (!run.ok() || !shard->record_results(*run, part).ok() || !shard->finish_run(*run, {}).ok()) std::abort();
  }
  int round = 0;
  for (auto _ : state) {
    const fs::path out = dir / ("out" + std::to_string(round++) + ".db");
    std::vector<std::string> warnings;
    const std::vector<fs::path> inputs = {dir / "a.db", dir / "b.db"};
    if (!HistoryStore::merge(inputs, out, warnings).ok() || !warnings.empty()) std::abort();
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_MergeShards)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
