#pragma once
// --json PATH: one JSON document per run (docs/json-report.md), written atomically at the
// end (a temp file in the same directory, then rename), or to stdout for "-".

#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "report/reporter.h"

namespace fastest::report {

/// The schema version written in every document; bump it on any incompatible change.
inline constexpr int k_json_report_version = 1;

struct JsonRunInfo {
  std::string uuid;  ///< the history database's run uuid ("" = not recorded)
  double started_unix = 0;
  std::vector<std::string> argv;
};

class JsonReporter final : public Reporter {
 public:
  /// `path` "-" writes to `out` (stdout).
  explicit JsonReporter(std::string path, std::FILE* out = stdout);
  void set_run(JsonRunInfo info) { m_run = std::move(info); }
  void on_start(const RunHeader& h) override { m_header = h; }
  void on_collect_error(const base::CollectionError& e) override { m_collect_errors.push_back(e); }
  void on_result(const base::TestResult& r) override;
  void on_rerun(const base::TestResult& r) override;
  void on_finish(const Summary& s) override;
  /// The document as written (after on_finish).
  const std::string& text() const { return m_text; }
  bool write_failed() const { return m_failed; }

 private:
  /// What the document keeps of a result: no captured output of passing tests.
  struct Test {
    std::string node_id, when, message, longrepr, teardown_error;
    base::Outcome outcome;
    double setup_s, call_s, teardown_s, start_s;
    int worker;
    std::int64_t batch;
    std::vector<base::TestResult> reruns;  ///< --reruns: the failed attempts before this result
  };
  /// node id -> failed attempts not yet followed by the test's final result.
  std::unordered_map<std::string, std::vector<base::TestResult>> m_reruns;
  std::string m_path;
  std::FILE* m_out;
  JsonRunInfo m_run;
  RunHeader m_header;
  std::vector<Test> m_tests;
  std::vector<base::CollectionError> m_collect_errors;
  std::string m_text;
  bool m_failed = false;
};

/// Writes `text` to `path` through a temp file and a rename; false on any error.
bool write_file_atomically(const std::string& path, const std::string& text);

}  // namespace fastest::report
