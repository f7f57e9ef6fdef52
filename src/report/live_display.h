#pragma once
// The live area at the bottom of a terminal: a bar of predicted work done, the counts by
// outcome, elapsed time and ETA, and one line per worker with its running test. Text
// printed "above" scrolls up over it; the area is redrawn in place at most every
// `interval_s` and removed by close(), so the scroll-back reads like pytest's.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/test_item.h"
#include "report/progress_model.h"
#include "report/reporter.h"
#include "report/style.h"

namespace fastest::report {

/// Where the display writes: a real terminal, or a fake one in tests.
class TerminalDevice {
 public:
  virtual ~TerminalDevice() = default;
  virtual void write(std::string_view bytes) = 0;
  /// Current width in columns (re-read after a SIGWINCH).
  virtual int columns() = 0;
};

struct LiveOptions {
  bool color = false;
  bool unicode = true;      ///< block characters for the bar (else '#' and '-')
  bool show_eta = true;     ///< false on a first run: costs are priors, not history
  double interval_s = 0.1;  ///< minimum time between redraws
  int max_worker_lines = 12;
  /// Below this width the area is one line, redrawn with '\r'.
  int min_columns = 40;
};

class LiveDisplay {
 public:
  /// `term` and `clock` are borrowed and must outlive the display.
  LiveDisplay(TerminalDevice& term, const base::Clock& clock, LiveOptions opts);

  void plan(std::vector<double> batch_costs, int workers, bool show_eta);
  void batch_started(std::int64_t batch, std::int64_t origin, int worker);
  void batch_collected(std::int64_t batch, std::size_t items);
  void result(const base::TestResult& r);
  void batch_done(std::int64_t batch);
  /// What each busy worker runs now (others are idle).
  void set_running(const std::vector<WorkerActivity>& running);
  /// Whole lines to show above the area: written at once when nothing is drawn yet,
  /// else with the next redraw (at most `interval_s` later), in order.
  void print_above(std::string_view text);
  /// Redraws when `interval_s` has passed since the last frame.
  void tick();
  /// Writes what is pending and removes the area; the display draws nothing after it.
  void close();

  /// The area's lines for `width` columns, without escapes other than colour (tests).
  std::vector<std::string> render(int width);
  /// Frames drawn so far.
  std::size_t frames() const { return m_frames; }

 private:
  void draw_locked(bool force);
  std::string erase_sequence(int width) const;
  std::string status_words() const;
  std::string counts_text(bool colored) const;

  TerminalDevice& m_term;
  const base::Clock& m_clock;
  LiveOptions m_opts;
  Painter m_paint;
  mutable std::mutex m_mu;
  ProgressModel m_model;
  std::map<std::string, int> m_counts;  ///< summary word -> tests
  std::vector<WorkerActivity> m_running;
  int m_workers = 1;
  double m_t0 = 0, m_last_draw = -1e9;
  std::string m_pending;
  std::vector<std::size_t> m_drawn;  ///< display width of each line on screen (empty: none)
  bool m_single_line = false, m_closed = false;
  std::size_t m_frames = 0;
};

/// `s` made safe for one terminal line and cut to `cols` columns: control bytes, C1
/// controls and invalid UTF-8 become "\xNN", wide characters count two columns. The cut
/// keeps the end ("...::test_name[param]") when `keep_end`.
std::string fit_line(std::string_view s, std::size_t cols, bool keep_end = false);
/// Columns `s` takes on a terminal (after fit_line's escaping; SGR codes count zero).
std::size_t display_width(std::string_view s);
/// "0:07", "12:34", "1:02:03".
std::string clock_text(double seconds);
/// "4.2s", "16s", "1:02".
std::string eta_text(double seconds);

}  // namespace fastest::report
