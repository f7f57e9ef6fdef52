#pragma once
// The terminal reporter: pytest-like session header, one line per module (or per test
// with -v), FAILURES/ERRORS sections, short test summary, closing summary line.

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "report/reporter.h"

namespace fastest::report {

struct TerminalOptions {
  int verbose = 0;  ///< -v: one line per test; -q (negative): less chrome
  bool show_capture = true;
  std::string report_chars = "fE";  ///< -r: which outcomes the short summary lists
  int width = 80;
  int durations = -1;  ///< --durations N: slowest N phases (0 = all; -1 = off)
  std::FILE* out = stdout;
};

class TerminalReporter final : public Reporter {
 public:
  explicit TerminalReporter(TerminalOptions opts);
  void on_start(const RunHeader& h) override;
  void on_collect_error(const base::CollectionError& e) override;
  void on_result(const base::TestResult& r) override;
  void on_batch_done(const std::string& module, std::int64_t batch) override;
  void on_warning(const std::string& text) override;
  void on_progress_total(std::size_t total) override { m_expected = total; }
  void on_finish(const Summary& s) override;

 private:
  void write(const std::string& s);
  std::string rule(const std::string& title, char fill) const;
  std::string progress() const;
  void print_failures();
  void print_short_summary();
  void print_durations();
  void flush_module(const std::string& module);

  TerminalOptions m_opts;
  std::size_t m_expected = 0, m_done = 0;
  std::map<std::int64_t, std::string> m_pending_letters;  ///< batch -> letters (unused key -1 for -v)
  std::map<std::string, std::string> m_module_letters;    ///< module -> letters not yet printed
  std::vector<base::TestResult> m_failed;                 ///< failures, errors, teardown errors
  std::vector<base::TestResult> m_reported;               ///< skipped/xfailed/xpassed for -r
  std::vector<base::CollectionError> m_collect_errors;
  std::vector<std::string> m_warnings;
  struct Phase {
    double seconds;
    const char* when;
    std::string node_id;
  };
  std::vector<Phase> m_phases;  ///< for --durations
};

}  // namespace fastest::report
