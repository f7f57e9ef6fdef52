#pragma once
// What discovery produces and what workers report back.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/outcome.h"
#include "base/shared_string.h"

namespace fastest::base {

/// One statically discovered test function or method (before runtime parametrize expansion).
struct TestItem {
  std::string node_id{};   ///< pytest node id, rootdir-relative, '/'-separated: "tests/test_x.py::TestA::test_b"
  SharedString file{};     ///< rootdir-relative module path: "tests/test_x.py" (one copy per module)
  std::string cls{};       ///< enclosing class chain joined by "::" ("" for module-level functions)
  std::string function{};  ///< function name
  int line = 0;            ///< 1-based line of the `def`
  std::vector<std::string> markers{};  ///< decorator marks seen statically: "skip", "parametrize", "slow"
  bool parametrized = false;           ///< has @pytest.mark.parametrize (ids expand at run time)
  /// parametrize argnames seen statically, in pytest's callspec order (the function's marks,
  /// nearest the def first, then the class's, then the module's); non-literal argnames are absent.
  std::vector<std::string> params{};
};

/// A file that could not be collected (syntax error, bad encoding, ...).
struct CollectionError {
  std::string file{};  ///< rootdir-relative path
  int line = 0;        ///< 1-based, 0 when unknown
  std::string message{};
  std::string crash{};  ///< pytest's reprcrash message for the short summary ("" = none: import/syntax errors)
};

/// A warning a worker recorded (during a test when node_id is set, else at collection/session level).
struct WarningRecord {
  std::string node_id{};
  std::string category{};  ///< "UserWarning"
  std::string message{};
  std::string filename{};  ///< as the warnings module saw it (often absolute)
  int lineno = 0;
};

/// How pytest's terminal shows a report when a plugin's pytest_report_teststatus words it
/// otherwise than pytest does for its outcome (pytest-subtests: "subtests passed", ",",
/// "SUBPASS"; pytest-rerunfailures: "rerun", "R", "RERUN").
struct ReportStatus {
  std::string category{};  ///< the closing line's key ("" = not counted)
  std::string letter{};    ///< progress letter(s); no letter and no word: nothing is shown
  std::string word{};      ///< the -v and short-summary word
  std::string color{};     ///< the word's markup colour ("" = pytest's by outcome)
};

/// A report of a test that pytest's terminal and JUnit count and show on their own, before
/// the test's own (pytest-subtests' SubTestReports, logged during the call).
struct SubReport {
  Outcome outcome = Outcome::passed;  ///< the report's own (passed, failed, skipped, ...)
  ReportStatus status{};
  std::string when{};
  std::string longrepr{};
  std::string message{};
  std::string head_line{};  ///< failure section title ("" = from the node id)
  std::vector<std::pair<std::string, std::string>> sections{};
  double duration_s = 0;
  /// Logged under the test's fd capture (a unittest subTest's): pytest's terminal wrote its
  /// letter into the captured stdout, so the progress shows nothing for it.
  bool captured = false;
};

/// One test's result as reported by a worker (one per runtime node id).
struct TestResult {
  std::string node_id{};
  std::string file{};  ///< module the test belongs to (rootdir-relative)
  Outcome outcome = Outcome::passed;
  double setup_s = 0, call_s = 0, teardown_s = 0;  ///< monotonic seconds per phase
  double duration_s() const { return setup_s + call_s + teardown_s; }
  std::string longrepr{};        ///< failure / error text (traceback), or skip reason "file:line: reason"
  std::string teardown_error{};  ///< pytest reports "passed + error" when only teardown fails
  std::string captured_stdout{};
  std::string captured_stderr{};
  std::string message{};  ///< short message (skip reason, xfail reason, exception line)
  std::string when{};     ///< phase that decided the outcome: setup call teardown collect ("" unknown)
  std::string captured_log{};
  int line = 0;  ///< 1-based line of the test function (0 if unknown)
  /// record_property / user_properties, values as str(): JUnit <properties> of the testcase.
  std::vector<std::pair<std::string, std::string>> properties{};
  /// record_xml_attribute: extra attributes of the JUnit <testcase> (xunit1 / legacy only).
  std::vector<std::pair<std::string, std::string>> xml_attributes{};
  int attempt = 1;  ///< 1-based attempt number (--reruns: earlier attempts are reported as reruns)
  /// pytest's collection reports this result stands for: 2 for a test module that skips
  /// itself under --doctest-modules (skipped as Module and as DoctestModule, one node id).
  int reports = 1;
  /// Failure section title when not derived from the node id ("[doctest] name"; "" = derive).
  std::string head_line{};
  /// pytest's report sections (title, content) of all phases in its order ("Captured stdout
  /// setup", "Captured log call", ...); empty = only the flat captured fields are known.
  std::vector<std::pair<std::string, std::string>> sections{};
  /// Live logging (--log-cli-level, log_cli): (phase, formatted records) in emission order;
  /// a phase outside setup/call/teardown ("collection") came before the test started.
  std::vector<std::pair<std::string, std::string>> live_log{};
  /// A plugin's words for the test's own report (null: pytest's own for `outcome`).
  std::shared_ptr<const ReportStatus> status{};
  /// Reports counted and shown before the test's own, in pytest's order (pytest-subtests).
  /// `outcome` is the test's own report's: see fails_run() for the run's view.
  std::vector<SubReport> subreports{};
  int worker = -1;            ///< worker slot index
  std::int64_t batch = -1;    ///< executor batch id the result came from
  double start_offset_s = 0;  ///< seconds since run start when the test began
};

/// Whether one of the test's sub-reports failed (pytest counts it in session.testsfailed).
inline bool subreport_failed(const TestResult& r) {
  for (const auto& s : r.subreports)
    if (is_failure(s.outcome)) return true;
  return false;
}

/// The summary key of a report: its status's category, else pytest's word for the outcome.
inline std::string summary_key(Outcome o, const ReportStatus* status) {
  return status ? status->category : std::string(summary_word(o));
}

}  // namespace fastest::base
