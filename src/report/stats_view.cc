#include "report/stats_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "report/junit.h"

namespace fastest::report {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string secs(double v) { return v >= 100 ? fmt("%.0fs", v) : v >= 1 ? fmt("%.2fs", v) : fmt("%.3fs", v); }

std::string pad_left(const std::string& s, std::size_t n) {
  return s.size() >= n ? s : std::string(n - s.size(), ' ') + s;
}

std::string when(double unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string clip(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - (n - 3));
}

std::string section(const std::string& title) { return "\n" + title + "\n" + std::string(title.size(), '-') + "\n"; }

std::string text_tests(const StatsModel& m, int width) {
  if (m.slowest_tests.empty()) return "";
  std::string out = section("Slowest tests (estimate = median of recent runs; trend = newer / older)");
  out += "  estimate    spread      last   trend  runs  test\n";
  for (const auto& t : m.slowest_tests)
    out += pad_left(secs(t.estimate_s), 10) + pad_left(secs(t.spread_s), 10) +
           pad_left(t.last_s ? secs(*t.last_s) : "-", 10) + pad_left(fmt("%.2fx", t.trend), 8) +
           pad_left(std::to_string(t.runs), 6) + "  " +
           clip(t.node_id, static_cast<std::size_t>(std::max(20, width - 46))) + "\n";
  return out;
}

std::string text_modules(const StatsModel& m, int width) {
  if (m.slowest_modules.empty()) return "";
  std::string out = section("Slowest modules (estimate includes import + module fixtures)");
  out += "  estimate  overhead      last   trend  tests  module\n";
  for (const auto& r : m.slowest_modules)
    out += pad_left(secs(r.estimate_s), 10) + pad_left(secs(r.overhead_s), 10) + pad_left(secs(r.last_s), 10) +
           pad_left(fmt("%.2fx", r.trend), 8) + pad_left(std::to_string(r.tests), 7) + "  " +
           clip(r.file, static_cast<std::size_t>(std::max(20, width - 47))) + "\n";
  return out;
}

std::string text_flaky(const StatsModel& m, int width) {
  std::string out = section("Flaky tests (pass/fail flips between consecutive runs)");
  if (m.flaky_tests.empty()) return out + "  none recorded\n";
  out += "  flips  failures  runs  last      test\n";
  for (const auto& t : m.flaky_tests)
    out += pad_left(std::to_string(t.flips), 7) + pad_left(std::to_string(t.failures), 10) +
           pad_left(std::to_string(t.runs), 6) + "  " + t.last_outcome +
           std::string(t.last_outcome.size() < 8 ? 8 - t.last_outcome.size() : 1, ' ') + "  " +
           clip(t.node_id, static_cast<std::size_t>(std::max(20, width - 37))) + "\n";
  return out;
}

std::string text_runs(const StatsModel& m) {
  std::string out = section("Last runs (balance = work / (workers x makespan))");
  if (m.runs.empty()) return out + "  none recorded\n";
  out +=
      "    id  started              workers  schedule            predicted    actual     floor  balance  exit  "
      "results\n";
  for (const auto& r : m.runs) {
    std::string sched = r.schedule.substr(0, 18);
    out += pad_left(std::to_string(r.id), 6) + "  " + when(r.started_unix) + pad_left(std::to_string(r.workers), 9) +
           "  " + sched + std::string(20 - sched.size(), ' ') +
           pad_left(r.predicted_s > 0 ? secs(r.predicted_s) : "-", 9) +
           pad_left(r.actual_s ? secs(*r.actual_s) : "unfinished", 10) +
           pad_left(r.lower_bound_s > 0 ? secs(r.lower_bound_s) : "-", 10) +
           pad_left(r.balance > 0 ? fmt("%.0f%%", r.balance * 100) : "-", 9) +
           pad_left(r.exit_status ? std::to_string(*r.exit_status) : "-", 6) + "  " + std::to_string(r.passed) +
           " passed, " + std::to_string(r.failed) + " failed" +
           (r.errors ? ", " + std::to_string(r.errors) + " errors" : "") + "\n";
  }
  return out;
}

}  // namespace

Floor compute_floor(const StatsModel& m, int workers) {
  Floor f;
  f.workers = std::max(1, workers);
  double share = m.total_work_s / f.workers;
  f.floor_s = std::max(share, m.largest_unit_s);
  f.set_by = m.largest_unit_s >= share
                 ? "the longest indivisible piece: " + m.largest_unit + " (" + secs(m.largest_unit_s) + ")"
                 : "total work / workers (" + secs(m.total_work_s) + " / " + std::to_string(f.workers) + ")";
  // Past total / largest piece, more workers cannot lower the floor.
  int useful = m.largest_unit_s > 0 ? static_cast<int>(std::ceil(m.total_work_s / m.largest_unit_s)) : 1;
  // More workers than cores only pay when the tests wait rather than compute: a run that
  // already used more workers than cores and kept them busy shows that.
  int cap = std::max(1, m.cores);
  if (!m.runs.empty() && m.runs.front().workers > cap && m.runs.front().balance >= 0.8) cap = 4 * cap;
  f.suggested_workers = std::clamp(useful, 1, cap);
  return f;
}

std::string render_stats_text(const StatsModel& m, int width) {
  std::string out = "fastest stats: " + m.db_path + "\n";
  out += text_tests(m, width) + text_modules(m, width) + text_flaky(m, width) + text_runs(m);
  if (!m.runs.empty()) {
    Floor f = compute_floor(m, m.runs.front().workers);
    out += section("Makespan floor");
    out += "  with " + std::to_string(f.workers) + " worker" + (f.workers == 1 ? "" : "s") + ": " + secs(f.floor_s) +
           ", set by " + f.set_by + "\n";
    out += "  suggested workers: " + std::to_string(f.suggested_workers) + " (" + std::to_string(m.cores) +
           " cores; more than the cores helps only I/O-bound suites)\n";
  }
  return out;
}

std::string render_stats_json(const StatsModel& m) {
  using nlohmann::json;
  auto test_json = [](const TestRow& t) {
    return json{{"node_id", t.node_id},
                {"runs", t.runs},
                {"estimate_s", t.estimate_s},
                {"spread_s", t.spread_s},
                {"last_s", t.last_s ? json(*t.last_s) : json(nullptr)},
                {"trend", t.trend},
                {"last_outcome", t.last_outcome},
                {"failures", t.failures},
                {"flips", t.flips},
                {"recent", t.recent}};
  };
  json j;
  j["db"] = m.db_path;
  j["slowest_tests"] = json::array();
  for (const auto& t : m.slowest_tests) j["slowest_tests"].push_back(test_json(t));
  j["flaky_tests"] = json::array();
  for (const auto& t : m.flaky_tests) j["flaky_tests"].push_back(test_json(t));
  j["slowest_modules"] = json::array();
  for (const auto& r : m.slowest_modules)
    j["slowest_modules"].push_back({{"file", r.file},
                                    {"tests", r.tests},
                                    {"estimate_s", r.estimate_s},
                                    {"overhead_s", r.overhead_s},
                                    {"spread_s", r.spread_s},
                                    {"last_s", r.last_s},
                                    {"trend", r.trend}});
  j["runs"] = json::array();
  for (const auto& r : m.runs)
    j["runs"].push_back({{"id", r.id},
                         {"started_unix", r.started_unix},
                         {"workers", r.workers},
                         {"schedule", r.schedule},
                         {"shard", r.shard},
                         {"predicted_s", r.predicted_s},
                         {"lower_bound_s", r.lower_bound_s},
                         {"actual_s", r.actual_s ? json(*r.actual_s) : json(nullptr)},
                         {"work_s", r.work_s},
                         {"balance", r.balance},
                         {"exit_status", r.exit_status ? json(*r.exit_status) : json(nullptr)},
                         {"passed", r.passed},
                         {"failed", r.failed},
                         {"errors", r.errors},
                         {"skipped", r.skipped}});
  if (!m.runs.empty()) {
    Floor f = compute_floor(m, m.runs.front().workers);
    j["floor"] = {{"workers", f.workers},
                  {"floor_s", f.floor_s},
                  {"set_by", f.set_by},
                  {"suggested_workers", f.suggested_workers},
                  {"total_work_s", m.total_work_s}};
  }
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace fastest::report
