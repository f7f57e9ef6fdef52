// `fastest stats --flaky`: each flaky test's flip rate over the kept runs, text and JSON.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "report/stats_view.h"

namespace fastest::report {
namespace {

std::string pad(std::string s, std::size_t n) { return s.size() >= n ? s : std::string(n - s.size(), ' ') + s; }

std::string percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

}  // namespace

std::string render_flaky_text(const std::vector<FlakyRow>& rows, std::size_t kept_runs) {
  std::string out = "Flaky tests over the last " + std::to_string(kept_runs) +
                    " kept runs (flip rate = (pass<->fail changes between runs + flaky verdicts) / runs)\n";
  if (rows.empty()) return out + "  none: no test changed verdict or needed a rerun to pass\n";
  out += " flip rate  flaky  flips  runs  last flip at  test\n";
  for (const auto& r : rows) {
    std::string commit = r.last_commit.empty() ? "-" : r.last_commit.substr(0, 12);
    out += pad(percent(r.flip_rate), 10) + pad(std::to_string(r.flaky), 7) + pad(std::to_string(r.flips), 7) +
           pad(std::to_string(r.runs), 6) + "  " + commit +
           std::string(commit.size() < 12 ? 12 - commit.size() : 0, ' ') + "  " + r.node_id + "\n";
  }
  return out;
}

std::string render_flaky_json(const std::vector<FlakyRow>& rows, std::size_t kept_runs) {
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& r : rows)
    tests.push_back({{"node_id", r.node_id},
                     {"flip_rate", r.flip_rate},
                     {"flaky", r.flaky},
                     {"flips", r.flips},
                     {"runs", r.runs},
                     {"last_flip_commit", r.last_commit}});
  nlohmann::json j = {{"kept_runs", kept_runs}, {"flaky_tests", tests}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace fastest::report
