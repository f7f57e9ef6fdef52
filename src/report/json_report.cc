#include "report/json_report.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace fastest::report {
namespace {

using json = nlohmann::ordered_json;

std::string iso_utc(double unix_s) {
  auto t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[16];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>((unix_s - static_cast<double>(t)) * 1000));
  return std::string(buf) + ms;
}

bool keeps_longrepr(base::Outcome o) { return base::is_failure(o); }

}  // namespace

bool write_file_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmp = (dir / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()))).string();
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok;
  ok = ::fsync(fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (ok) ok = std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) std::remove(tmp.c_str());
  return ok;
}

JsonReporter::JsonReporter(std::string path, std::FILE* out) : m_path(std::move(path)), m_out(out) {}

void JsonReporter::on_result(const base::TestResult& r) {
  // A failed sub-report (pytest-subtests) fails the test here, as in pytest's JUnit file.
  if (!base::is_failure(r.outcome) && base::subreport_failed(r)) {
    base::TestResult failed = r;
    failed.outcome = base::Outcome::failed;
    failed.subreports.clear();
    for (const auto& sub : r.subreports)
      if (base::is_failure(sub.outcome)) {
        failed.message = sub.message;
        failed.longrepr = sub.longrepr;
        break;
      }
    on_result(failed);
    return;
  }
  Test t{.node_id = r.node_id,
         .when = r.when,
         .message = r.message,
         .longrepr = keeps_longrepr(r.outcome) ? r.longrepr : std::string(),
         .teardown_error = r.teardown_error,
         .outcome = r.outcome,
         .setup_s = r.setup_s,
         .call_s = r.call_s,
         .teardown_s = r.teardown_s,
         .start_s = r.start_offset_s,
         .worker = r.worker,
         .batch = r.batch,
         .reruns = {}};
  if (auto it = m_reruns.find(r.node_id); it != m_reruns.end()) {
    t.reruns = std::move(it->second);
    m_reruns.erase(it);
  }
  m_tests.push_back(std::move(t));
}

void JsonReporter::on_rerun(const base::TestResult& r) { m_reruns[r.node_id].push_back(r); }

void JsonReporter::on_finish(const Summary& s) {
  json run = {
      {"uuid", m_run.uuid.empty() ? json(nullptr) : json(m_run.uuid)},
      {"started", m_run.started_unix > 0 ? json(iso_utc(m_run.started_unix)) : json(nullptr)},
      {"started_unix", m_run.started_unix},
      {"duration_s", s.wall_s},
      {"rootdir", m_header.rootdir},
      {"argv", m_run.argv},
      {"engine", m_header.engine},
      {"workers", m_header.workers},
      {"schedule", m_header.schedule},
      {"batches", m_header.batch_costs.size()},
      {"predicted_makespan_s", m_header.predicted_s > 0 ? json(m_header.predicted_s) : json(nullptr)},
      {"actual_makespan_s", s.wall_s},
      {"lower_bound_s", m_header.lower_bound_s},
  };
  json tests = json::array();
  for (const auto& t : m_tests) {
    if (s.void_results && t.when != "collect") continue;  // pytest ran none of them
    json j = {{"nodeid", t.node_id},
              {"outcome", std::string(base::outcome_name(t.outcome))},
              {"when", t.when},
              {"setup_s", t.setup_s},
              {"call_s", t.call_s},
              {"teardown_s", t.teardown_s},
              {"duration_s", t.setup_s + t.call_s + t.teardown_s},
              {"start_s", t.start_s},
              {"worker", t.worker},
              {"batch", t.batch}};
    if (!t.message.empty()) j["message"] = t.message;
    if (!t.longrepr.empty()) j["longrepr"] = t.longrepr;
    if (!t.teardown_error.empty()) j["teardown_error"] = t.teardown_error;
    // --reruns: every attempt, the final one included (a flaky test has attempts > 1).
    j["attempts"] = 1 + t.reruns.size();
    if (!t.reruns.empty()) {
      json reruns = json::array();
      for (const auto& a : t.reruns) {
        json aj = {{"attempt", a.attempt},
                   {"outcome", std::string(base::outcome_name(a.outcome))},
                   {"when", a.when},
                   {"duration_s", a.setup_s + a.call_s + a.teardown_s},
                   {"worker", a.worker}};
        if (!a.message.empty()) aj["message"] = a.message;
        if (keeps_longrepr(a.outcome) && !a.longrepr.empty()) aj["longrepr"] = a.longrepr;
        reruns.push_back(std::move(aj));
      }
      j["reruns"] = std::move(reruns);
    }
    tests.push_back(std::move(j));
  }
  json errors = json::array();
  for (const auto& e : m_collect_errors)
    errors.push_back({{"module", e.file}, {"line", e.line}, {"longrepr", e.message}});
  json counts = json::object();
  for (const auto& [k, v] : s.counts) counts[k] = v;
  counts["warnings"] = s.warnings;
  json doc = {{"schema", "fastest-report"},
              {"version", k_json_report_version},
              {"run", std::move(run)},
              {"tests", std::move(tests)},
              {"collect_errors", std::move(errors)},
              {"summary",
               {{"counts", std::move(counts)},
                {"line", summary_words(s)},
                {"interrupted", s.interrupted},
                {"interrupt_reason", s.interrupt_reason}}},
              {"exit_code", s.exit_code}};
  // Test output may hold anything: invalid UTF-8 becomes U+FFFD, control bytes \u escapes.
  m_text = doc.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
  if (m_path == "-") {
    m_failed = std::fwrite(m_text.data(), 1, m_text.size(), m_out) != m_text.size() || std::fflush(m_out) != 0;
    return;
  }
  m_failed = !write_file_atomically(m_path, m_text);
}

}  // namespace fastest::report
