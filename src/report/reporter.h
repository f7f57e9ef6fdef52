#pragma once
// Event consumers. The app feeds every reporter the same stream of calls.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/test_item.h"

namespace fastest::report {

/// What is known when execution starts.
struct RunHeader {
  std::string rootdir;
  std::string configfile;      ///< rootdir-relative ini file ("" = none)
  std::string testpaths;       ///< ", "-joined ini testpaths when they chose the args ("" = not used)
  std::string python_version;  ///< may be empty until the first worker says hello
  std::string version = "0.1.0";
  std::size_t collected = 0;  ///< static test functions discovered
  std::size_t modules = 0;
  std::size_t collect_errors = 0;
  int workers = 1;
  std::string schedule;      ///< "history" / "fifo"
  double predicted_s = 0;    ///< planner's predicted makespan (0 = no history)
  double lower_bound_s = 0;  ///< max(total / workers, largest indivisible batch)
  std::string engine;        ///< "native" / "pytest"
  /// Predicted seconds of batch 0..n-1, in dispatch order (the live display's weights).
  std::vector<double> batch_costs{};
  std::vector<std::string> extra_lines{};  ///< fastest's own header lines (engine choice, ...)
  /// pytest_report_collectionfinish-like lines printed after "collected N items"
  /// ("run-last-failure: ...", "stepwise: ...").
  std::vector<std::string> collection_lines{};
  /// Rootdir-relative files in pytest's collection order: the summary lists tests and
  /// errors by it (pytest's serial order), not by when workers reported them.
  std::vector<std::string> module_order{};
};

/// pytest's "collected N items / E errors / D deselected / S skipped / K selected" inputs,
/// known once every batch's worker collected its module (runtime ids, not static ones).
struct CollectionCounts {
  std::size_t collected = 0;   ///< items collected, deselected ones included
  std::size_t deselected = 0;  ///< by -k, -m, --deselect, pytest_collection_modifyitems
  std::size_t errors = 0;      ///< modules that could not be collected
  std::size_t skipped = 0;     ///< modules that skipped themselves at import
  /// The errors stop the run (no --continue-on-collection-errors): pytest runs, and so
  /// shows, no test; progress held back for this line is dropped.
  bool interrupts = false;
};

/// Totals at the end, in pytest's categories.
struct Summary {
  std::map<std::string, int> counts;  ///< "passed" -> 3, "failed" -> 1, "error" -> 2, "deselected" -> 4, ...
  /// Keys of `counts` in the order first counted: a plugin's own categories ("rerun",
  /// "subtests passed") close the line in that order, as pytest's stats keep them.
  std::vector<std::string> category_order{};
  int warnings = 0;
  double wall_s = 0;
  bool interrupted = false;
  std::string interrupt_reason;
  /// A worker sent `fatal` (session-level error): reporters that printed nothing yet stay
  /// silent, as pytest prints only the error when its configuration fails.
  bool fatal = false;
  /// The fatal came before any worker was configured: pytest's session never started, so
  /// its junitxml (which writes at pytest_sessionfinish) writes no file.
  bool fatal_at_startup = false;
  /// pytest's INTERNALERROR after the session started ("INTERNALERROR> " lines): the
  /// terminal prints it on stdout, JUnit adds pytest's `pytest.internal` testcase.
  std::string internal_error{};
  /// A collection error interrupted the run: pytest collects everything before running
  /// and runs nothing then, so reporters show only what collection decided (collection
  /// errors, module skips) and none of the tests that ran before the error was seen.
  bool void_results = false;
  /// A pytest_sessionfinish implementation raised: pytest's terminal reporter, whose own
  /// implementation wraps it, prints nothing after the progress (no sections, no summary line).
  bool session_finish_raised = false;
  /// --quarantine: tests whose failures were not counted against the run (their own section).
  std::vector<std::string> quarantined{};
  int exit_code = 0;  ///< the process's exit status (pytest's table)
  /// --collect-only: pytest's "N tests collected[, M errors]" words, the summary line's
  /// only part (no outcome counts, no warnings).
  std::string collected_words{};
};

/// A worker busy with a test: which, since when (the run's clock, seconds).
struct WorkerActivity {
  int worker = -1;
  std::string node_id;
  double since_s = 0;
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void on_start(const RunHeader&) {}
  virtual void on_collect_error(const base::CollectionError&) {}
  virtual void on_result(const base::TestResult&) {}
  /// --reruns: a failed attempt of a test that will run again (`attempt` numbers it);
  /// the test's on_result comes later, with its final outcome (flaky when it then passed).
  virtual void on_rerun(const base::TestResult&) {}
  /// A batch (one module or a slice) finished on a worker; results for it came before.
  virtual void on_batch_done(const std::string& /*module*/, std::int64_t /*batch*/) {}
  /// A batch went to `worker`; a re-queued remainder (new id) continues `origin`.
  virtual void on_batch_start(std::int64_t /*batch*/, std::int64_t /*origin*/, int /*worker*/) {}
  /// The worker collected `items` tests for `batch`.
  virtual void on_batch_collected(std::int64_t /*batch*/, std::size_t /*items*/) {}
  /// The node ids behind on_batch_collected, in the worker's run order (a module that
  /// skipped itself is its own path).
  virtual void on_collected_items(const std::string& /*module*/, const std::vector<std::string>& /*ids*/) {}
  /// Seconds between on_tick calls this reporter wants (0 = none). Asked once, at start.
  virtual double tick_interval_s() const { return 0; }
  /// Called from a timer thread while the run goes, with what each busy worker runs.
  /// A reporter that asks for ticks makes its event methods safe against this one.
  virtual void on_tick(const std::vector<WorkerActivity>& /*running*/) {}
  virtual void on_warning(const base::WarningRecord& /*w*/) {}
  /// The first worker's pytest_report_header lines (and its Python version).
  virtual void on_worker_header(const std::string& /*python*/, const std::vector<std::string>& /*lines*/) {}
  /// Every batch has been collected (or the run ends before): pytest's "collected" line.
  virtual void on_collection_done(const CollectionCounts&) {}
  /// Worker text printed verbatim on stdout (--fixtures, --markers, --setup-show ...).
  virtual void on_info(const std::string& /*text*/) {}
  /// A worker's pytest_terminal_summary text (plugins' and conftests' own sections),
  /// printed at pytest's place in the summary; `ran_tests`: the worker ran a test.
  virtual void on_terminal_summary(const std::string& /*text*/, bool /*ran_tests*/) {}
  /// record_testsuite_property.
  virtual void on_suite_property(const std::string& /*name*/, const std::string& /*value*/) {}
  /// The number of tests expected in total changed (runtime collection expanded a module).
  virtual void on_progress_total(std::size_t /*total*/) {}
  virtual void on_finish(const Summary&) {}
};

/// The closing line's parts in pytest's order: (category key, "3 passed"), only those > 0.
std::vector<std::pair<std::string, std::string>> summary_parts(const Summary& s);
/// pytest's closing words: "1 failed, 3 passed, 1 skipped in 0.12s" (no '=' padding).
std::string summary_words(const Summary& s);
/// pytest's duration format: "0.12s", "61.23s (0:01:01)".
std::string format_duration(double seconds);
/// Where and why a test was skipped: its longrepr "path:line: reason" split (pytest's
/// skip longrepr tuple); line -1 when the text has none, reason without "Skipped: ".
struct SkipLocation {
  std::string path;
  int line = -1;
  std::string reason;
};
SkipLocation skip_location(const base::TestResult& r);

/// pytest's "collected N items / ..." line (without newline).
std::string collected_line(const CollectionCounts& c);
/// pytest's failure headline for a node id: "TestA.test_b[1]".
std::string head_line(const std::string& node_id);

}  // namespace fastest::report
