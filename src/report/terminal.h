#pragma once
// The terminal reporter: pytest's session header, one line per module (or per test with
// -v), then pytest's terminal summary: ERRORS, FAILURES, warnings summary, PASSES,
// durations, short test summary info, and the closing stats line.

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "report/live_display.h"
#include "report/reporter.h"
#include "report/style.h"

namespace fastest::report {

struct TerminalOptions {
  int verbose = 0;                   ///< -v count minus -q count
  int collect_verbose = 0;           ///< the same before live logging's bump (pytest's collection sees that)
  std::string report_chars = "fE";   ///< -r as given (pytest's getreportopt expands it)
  bool disable_warnings = false;     ///< --disable-warnings: no warnings summary
  std::string tbstyle = "auto";      ///< --tb: "line" one line per failure, "no" no sections
  std::string show_capture = "all";  ///< --show-capture no|stdout|stderr|log|all
  bool no_header = false;            ///< --no-header: only the "test session starts" rule
  bool no_summary = false;           ///< --no-summary: no sections, the stats line stays
  int width = 80;
  bool on_ci = false;            ///< pytest's running_on_ci(): short-summary messages are not trimmed
  int durations = -1;            ///< --durations N: slowest N phases (0 = all; -1 = off)
  double durations_min = 0.005;  ///< --durations-min, seconds
  std::string rootdir;           ///< absolute; --tb=line names files as pytest's reprcrash does
  std::string invocation_dir;    ///< warnings without a test are located relative to it
  std::string junit_path;        ///< absolute --junitxml path ("" = none): "generated xml file"
  std::FILE* out = stdout;
  bool isatty = false;
  bool color = false;  ///< pytest's markup (--color, PY_COLORS, NO_COLOR, FORCE_COLOR, a TTY)
  /// The live area: progress drawn in place on this device (nullptr = plain lines).
  TerminalDevice* live = nullptr;
  LiveOptions live_opts{};
  /// For ticks: plain mode's "still running" line after `silence_s` without output.
  const base::Clock* clock = nullptr;
  double silence_s = 30;
};

/// A report's short-summary and -v word: its status's, else `fallback` (pytest's own).
std::string word_of(const base::TestResult& r, const char* fallback);

/// pytest's getreportopt: -r chars expanded ('a', 'A', 'N', old 'F'/'S'), 'w' unless
/// --disable-warnings.
std::string effective_report_chars(const std::string& chars, bool disable_warnings);

class TerminalReporter final : public Reporter {
 public:
  explicit TerminalReporter(TerminalOptions opts);
  void on_start(const RunHeader& h) override;
  void on_worker_header(const std::string& python, const std::vector<std::string>& lines) override;
  void on_collection_done(const CollectionCounts& c) override;
  void on_collect_error(const base::CollectionError& e) override;
  void on_result(const base::TestResult& r) override;
  /// --reruns: pytest-rerunfailures' 'R' progress letter (verbose: "<node id> RERUN").
  void on_rerun(const base::TestResult& r) override;
  void on_batch_done(const std::string& module, std::int64_t batch) override;
  void on_warning(const base::WarningRecord& w) override;
  void on_info(const std::string& text) override;
  void on_terminal_summary(const std::string& text, bool ran_tests) override;
  void on_progress_total(std::size_t total) override { m_expected = total; }
  void on_batch_start(std::int64_t batch, std::int64_t origin, int worker) override;
  void on_batch_collected(std::int64_t batch, std::size_t items) override;
  double tick_interval_s() const override;
  void on_tick(const std::vector<WorkerActivity>& running) override;
  void on_finish(const Summary& s) override;

 private:
  /// One entry of pytest's stats["error"]: a collection error or a setup/teardown error.
  struct ErrorEntry {
    std::string title;           ///< "ERROR collecting x.py", "ERROR at setup of test_a"
    std::string body;            ///< longrepr and captured sections
    std::string node_id;         ///< for the short summary
    std::string message;         ///< reprcrash message ("" = none)
    std::string word = "ERROR";  ///< the short summary's word (a plugin's status may name another)
  };

  void write(const std::string& s);
  /// pytest's TerminalWriter.sep, the whole line in `m` (when colour is on).
  std::string rule(const std::string& title, char fill, Markup m = {}) const;
  /// pytest's _get_main_color over the outcomes so far.
  Color main_color(bool final) const;
  std::string stats_line(const Summary& s) const;
  Color stats_color(const Summary& s) const;
  /// The closing "=== 1 failed, 2 passed in 0.12s ===" line, coloured as pytest's.
  std::string final_line(const Summary& s) const;
  /// The node id relative to the invocation directory, "path::" + the rest in bold, as
  /// pytest's _get_pos (cwd_relative_nodeid, _get_node_id_with_markup).
  std::string node_markup(const std::string& node_id) const;
  /// A rootdir-relative path or node id relative to the invocation directory (pytest's
  /// cwd_relative_nodeid and bestrelpath: "../proj/tests/test_x.py"), sanitized.
  std::string cwd_relative(const std::string& node_id) const;
  /// A rootdir-relative or absolute path as pytest's bestrelpath from the invocation
  /// directory gives it ("../ext/helpers.py"), sanitized.
  std::string best_relpath(const std::string& path) const;
  void live_failure_line(const base::TestResult& r);
  /// The progress letters or -v lines of a test's sub-reports (`subs`, as results) and its own.
  void show_progress(const base::TestResult& r, const std::vector<base::TestResult>& subs);
  /// Puts one report in its category's list (pytest's stats), as the summary shows them.
  void keep(const base::TestResult& r);

  /// The -v line of one result, with its live-log sections around it.
  std::string verbose_block(const base::TestResult& r);
  std::string paint_letters(std::string_view letters) const;
  std::string padded(const std::string& pct, int pad) const;
  std::string progress() { return progress_at(m_done); }
  /// "[ 42%]" once `done` results are in (never below a percentage shown before).
  std::string progress_at(std::size_t done);
  void ensure_header();
  void write_progress(const std::string& lines);
  void flush_module(const std::string& module);
  /// The progress line(s) of one module's letters.
  std::string module_lines(const std::string& module, std::string_view letters);
  /// -q: the letters of the line pytest has not ended yet, closed with its percentage.
  std::string quiet_rest();
  /// Progress due before "collected N items" could be printed waits for it (pytest prints
  /// it before any test, and its percentages are of that count): no live area, count unknown.
  bool holding_progress() const { return !m_collected_printed && !m_live; }
  void replay_held_progress();
  std::string sections(const base::TestResult& r, const std::string& when) const;
  std::string crash_line(const base::TestResult& r) const;
  /// pytest's short-summary line; `color` is the word's (none: red, green for PASSED).
  std::string summary_line(const std::string& word, const std::string& node_id, const std::string& msg,
                           Color color = Color::none) const;

  /// pytest ran nothing (a collection error interrupted the run): drop what tests reported.
  void forget_tests();
  void print_errors();
  void print_failures();
  void print_warnings();
  void print_passes();
  void print_durations();
  void print_short_summary();
  /// pytest's order of the summary's lists: collection errors first (pytest collects
  /// before it runs), then by module in collection order; arrival order within a module.
  void sort_by_collection_order();

  TerminalOptions m_opts;
  std::string m_chars;  ///< effective -r chars
  RunHeader m_header;
  bool m_started = false, m_header_printed = false, m_collected_printed = false;
  bool m_need_blank = false, m_progress_written = false, m_finishing = false;
  /// The runtime count arrived after module lines had started (the last batch collects
  /// near the end): it waits for the last module line instead of splitting them.
  std::optional<CollectionCounts> m_deferred_collected;
  /// A progress line held back until the collected line (holding_progress()).
  struct HeldProgress {
    std::size_t done;  ///< results counted when the line was due: its percentage
    enum class Kind { module, verbose, text } kind;
    std::string module, text;   ///< module: its letters; text: the line itself
    base::TestResult result{};  ///< verbose: the result whose -v block it is
  };
  std::vector<HeldProgress> m_held;
  std::string m_python;
  std::vector<std::string> m_worker_lines;
  std::vector<std::string> m_terminal_summaries;  ///< distinct texts of workers that ran tests
  std::vector<std::string> m_idle_summaries;      ///< distinct texts of workers that ran none
  std::size_t m_expected = 0, m_done = 0;
  std::map<std::string, std::string> m_module_letters;  ///< module -> letters not yet printed
  std::string m_quiet_letters;  ///< -q: letters printed into a line not yet ended (pytest goes on across modules)
  std::vector<base::TestResult> m_failed;                      ///< stats["failed"] (crashes and timeouts too)
  std::vector<ErrorEntry> m_errors;                            ///< stats["error"] (sorted at the end)
  std::unordered_map<std::string, std::size_t> m_module_rank;  ///< RunHeader::module_order
  std::vector<base::TestResult> m_passed;                      ///< stats["passed"] (output kept only for -rP)
  std::size_t m_passes_not_kept = 0;                           ///< passes not in m_passed (kept only for -rp / -rP)
  std::vector<base::TestResult> m_skipped;                     ///< stats["skipped"]
  std::vector<base::TestResult> m_xfailed, m_xpassed;
  std::vector<base::WarningRecord> m_warnings;
  struct Phase {
    double seconds;
    const char* when;
    std::string node_id;
  };
  std::vector<Phase> m_phases;  ///< for --durations
  Painter m_paint;
  std::unique_ptr<LiveDisplay> m_live;
  std::mutex m_write_mu;  ///< write() and plain on_tick() come from two threads
  double m_last_output = 0;
  std::atomic<bool> m_drawing{false};  ///< the header is out: ticks may draw
  int m_last_pct = 0;
  bool m_any_warning_or_xpass = false;
  bool m_unknown_category = false;        ///< a plugin's own category was counted (pytest: yellow)
  std::map<char, Color> m_letter_colors;  ///< progress letters a plugin's status named, painted by it
  bool m_after_live_teardown = false;     ///< the last -v block ended with teardown records
};

}  // namespace fastest::report
