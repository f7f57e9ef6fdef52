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
  std::string python_version;  ///< may be empty until the first worker says hello
  std::string version = "0.1.0";
  std::size_t collected = 0;  ///< static test functions discovered
  std::size_t modules = 0;
  std::size_t collect_errors = 0;
  int workers = 1;
  std::string schedule;    ///< "history" / "fifo"
  double predicted_s = 0;  ///< planner's predicted makespan (0 = no history)
};

/// Totals at the end, in pytest's categories.
struct Summary {
  std::map<std::string, int> counts;  ///< "passed" -> 3, "failed" -> 1, "error" -> 2, ...
  int warnings = 0;
  double wall_s = 0;
  bool interrupted = false;
  std::string interrupt_reason;
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void on_start(const RunHeader&) {}
  virtual void on_collect_error(const base::CollectionError&) {}
  virtual void on_result(const base::TestResult&) {}
  /// A batch (one module or a slice) finished on a worker; results for it came before.
  virtual void on_batch_done(const std::string& /*module*/, std::int64_t /*batch*/) {}
  virtual void on_warning(const std::string& /*text*/) {}
  /// The number of tests expected in total changed (runtime collection expanded a module).
  virtual void on_progress_total(std::size_t /*total*/) {}
  virtual void on_finish(const Summary&) {}
};

/// pytest's closing words: "1 failed, 3 passed, 1 skipped in 0.12s" (no '=' padding).
std::string summary_words(const Summary& s);
/// pytest's duration format: "0.12s", "61.23s (0:01:01)".
std::string format_duration(double seconds);
/// pytest's failure headline for a node id: "TestA.test_b[1]".
std::string head_line(const std::string& node_id);

}  // namespace fastest::report
