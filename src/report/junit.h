#pragma once
// --junitxml: pytest 7's JUnit XML (_pytest/junitxml.py): families xunit2 (default) and
// xunit1/legacy, the junit_* ini options, record_property / record_xml_attribute /
// record_testsuite_property.

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "report/reporter.h"

namespace fastest::report {

/// pytest's mangle_test_address: classname and name for a node id.
std::pair<std::string, std::string> junit_names(const std::string& node_id);
/// Text content as pytest writes it: bin_xml_escape ("#xNN" for characters XML 1.0
/// forbids), then ElementTree's &, <, > escapes.
std::string xml_escape(std::string_view text);
/// An attribute value: xml_escape plus ElementTree's '"', newline, CR and tab escapes.
std::string xml_attr_escape(std::string_view text);

/// The junit_* ini options and --junitprefix.
struct JunitOptions {
  std::string family = "xunit2";          ///< junit_family: xunit2 | xunit1 | legacy (= xunit1)
  std::string suite_name = "pytest";      ///< junit_suite_name
  std::string logging = "no";             ///< junit_logging: no log system-out system-err out-err all
  bool log_passing_tests = true;          ///< junit_log_passing_tests
  std::string duration_report = "total";  ///< junit_duration_report: total | call
  std::string prefix;                     ///< --junitprefix
  std::string rootdir;                    ///< absolute: skip locations are written absolute, as pytest's
  std::string hostname;
};

class JunitReporter final : public Reporter {
 public:
  JunitReporter(std::filesystem::path path, JunitOptions opts);
  void on_start(const RunHeader&) override;
  void on_collect_error(const base::CollectionError& e) override;
  void on_result(const base::TestResult& r) override;
  /// --reruns: kept until the test's result, then written as Surefire's children of its
  /// <testcase>: <flakyFailure>/<flakyError> when it passed at last, <rerunFailure>/<rerunError>
  /// when it did not (each with message, type, <stackTrace>, <system-out>, <system-err>).
  void on_rerun(const base::TestResult& r) override;
  void on_suite_property(const std::string& name, const std::string& value) override;
  void on_finish(const Summary& s) override;
  /// The document; written to the path by on_finish (atomically: temp file + rename).
  std::string render(const Summary& s) const;
  bool write_failed() const { return m_write_failed; }

 private:
  void add_result(const base::TestResult& r);
  std::string document(const Summary& s, const std::string& cases, int failures, int errors, int skipped,
                       int tests) const;
  std::string open_testcase(const base::TestResult& r, double seconds) const;
  std::string captured(const base::TestResult& r) const;
  std::string rerun_elements(const base::TestResult& final_result);
  /// The <failure>/<error>/<skipped> elements of the test's sub-reports, counted.
  std::string subreport_elements(const base::TestResult& r);

  std::filesystem::path m_path;
  JunitOptions m_opts;
  std::string m_timestamp;
  std::string m_cases;  ///< rendered <testcase> elements, in arrival order
  std::vector<std::pair<std::string, std::string>> m_suite_properties;
  std::map<std::string, std::vector<base::TestResult>> m_reruns;  ///< node id -> failed attempts so far
  int m_passed = 0, m_failures = 0, m_errors = 0, m_skipped = 0, m_double = 0;
  /// The <testcase>s collection decided (errors, module skips): all a voided run writes.
  struct {
    std::string cases;
    int errors = 0, skipped = 0;
  } m_collection;
  /// A collection error's file -> where its testcase's "</testcase>" stands in m_cases and
  /// in m_collection.cases: the file's next error is another <error> in it.
  std::map<std::string, std::pair<std::size_t, std::size_t>> m_error_cases;
  bool m_write_failed = false;
};

}  // namespace fastest::report
