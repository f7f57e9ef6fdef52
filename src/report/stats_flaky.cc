// `fastest stats --flaky` (flip rates over the kept runs) and `--regressions` (duration
// step-ups by commit), text and JSON.
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

namespace {

std::string secs(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 1 ? "%.2fs" : "%.4fs", v);
  return buf;
}

std::string regression_table(const std::vector<RegressionRow>& rows, bool modules) {
  std::string out;
  for (const auto& r : rows) {
    if (r.module != modules) continue;
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2fx", r.before_s > 0 ? r.after_s / r.before_s : 0.0);
    std::string commit = r.commit.empty() ? "-" : r.commit.substr(0, 12);
    out += pad(secs(r.before_s), 10) + pad(secs(r.after_s), 10) + pad(ratio, 8) + "  " + commit +
           std::string(commit.size() < 12 ? 12 - commit.size() : 0, ' ') + pad(std::to_string(r.runs_before), 4) + "+" +
           std::to_string(r.runs_after) + "  " + r.name + "  [" + r.env + "]\n";
  }
  if (out.empty()) return "  none\n";
  return "    before     after   ratio  since commit  runs  " + std::string(modules ? "module" : "test") +
         "  [environment]\n" + out;
}

}  // namespace

std::string render_regressions_text(const std::vector<RegressionRow>& rows, double ratio) {
  char head[200];
  std::snprintf(head, sizeof head,
                "Duration regressions: recent median > %.2fx the earlier median, within one environment\n"
                "(median split of the kept runs, the medians more than 3 MADs apart; 'since commit' is the first "
                "slower run's)\n",
                ratio);
  return std::string(head) + "\nTests\n" + regression_table(rows, false) + "\nModules (sum of their tests)\n" +
         regression_table(rows, true);
}

std::string render_regressions_json(const std::vector<RegressionRow>& rows, double ratio) {
  nlohmann::json tests = nlohmann::json::array(), modules = nlohmann::json::array();
  for (const auto& r : rows)
    (r.module ? modules : tests)
        .push_back({{r.module ? "module" : "node_id", r.name},
                    {"environment", r.env},
                    {"before_s", r.before_s},
                    {"after_s", r.after_s},
                    {"ratio", r.before_s > 0 ? r.after_s / r.before_s : 0.0},
                    {"since_commit", r.commit},
                    {"runs_before", r.runs_before},
                    {"runs_after", r.runs_after}});
  nlohmann::json j = {{"ratio", ratio}, {"tests", tests}, {"modules", modules}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace fastest::report
