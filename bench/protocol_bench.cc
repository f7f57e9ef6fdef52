// The controller's per-frame cost: decoding the worker's `start` and `result` frames,
// which arrive once per test (100,000 times in a 100k-test run).
#include <benchmark/benchmark.h>

#include <string>

#include "exec/protocol.h"

namespace {

const std::string k_start = R"({"t":"start","batch":3,"nodeid":"tests/test_big.py::test_p0[12345]"})";
const std::string k_result =
    R"({"t":"result","batch":3,"nodeid":"tests/test_big.py::test_p0[12345]","outcome":"passed","when":"call",)"
    R"("setup_s":1.2e-05,"call_s":3.4e-06,"teardown_s":5.1e-06,"longrepr":"","message":"","stdout":"",)"
    R"("stderr":"","log":"","line":7})";

void BM_DecodeStart(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fastest::exec::decode_message(k_start));
}
BENCHMARK(BM_DecodeStart);

void BM_DecodeResult(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fastest::exec::decode_message(k_result));
}
BENCHMARK(BM_DecodeResult);

void BM_FrameReaderResults(benchmark::State& state) {
  const std::string frame = fastest::exec::encode_frame(k_result);
  std::string chunk;
  for (int i = 0; i < 64; ++i) chunk += frame;
  for (auto _ : state) {
    fastest::exec::FrameReader r;
    r.append(chunk.data(), chunk.size());
    while (true) {
      auto f = r.next();
      if (!f.ok() || !f.value()) break;
      benchmark::DoNotOptimize(f.value()->size());
    }
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_FrameReaderResults);

}  // namespace
