#pragma once
// --junitxml: pytest's JUnit XML format (xunit2 family, pytest 7's defaults).

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "report/reporter.h"

namespace fastest::report {

/// pytest's mangle_test_address: classname and name for a node id.
std::pair<std::string, std::string> junit_names(const std::string& node_id);
/// XML-escapes text, replacing characters XML 1.0 forbids by "#xNN" as pytest does.
std::string xml_escape(std::string_view text);

class JunitReporter final : public Reporter {
 public:
  explicit JunitReporter(std::filesystem::path path, std::string hostname);
  void on_collect_error(const base::CollectionError& e) override;
  void on_result(const base::TestResult& r) override;
  void on_finish(const Summary& s) override;
  /// The document; written to the path by on_finish (atomically: temp file + rename).
  std::string render(const Summary& s) const;
  bool write_failed() const { return m_write_failed; }

 private:
  std::filesystem::path m_path;
  std::string m_hostname;
  std::string m_cases;  ///< rendered <testcase> elements, in arrival order
  int m_tests = 0, m_failures = 0, m_errors = 0, m_skipped = 0;
  double m_time = 0;
  bool m_write_failed = false;
};

}  // namespace fastest::report
