// Session, the run pass (see session.h): execute -> record -> report on workers.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/collect_memory.h"
#include "app/flush_policy.h"
#include "app/git_commit.h"
#include "app/reporting.h"
#include "app/session.h"
#include "app/session_warnings.h"
#include "app/ticker.h"
#include "base/clock.h"
#include "exec/harness.h"
#include "report/junit.h"
#include "report/terminal.h"
#include "report/text.h"

namespace fastest::app {
namespace {

/// Consumes executor events: counts, reports and records them.
class EventSink {
 public:
  EventSink(store::HistoryStore& db, std::int64_t run_id, std::vector<std::unique_ptr<report::Reporter>>& reporters,
            std::size_t expected, int maxfail, const base::Clock& clock)
      : m_db(db), m_run(run_id), m_reporters(reporters), m_expected(expected), m_maxfail(maxfail), m_flush(clock) {}

  void handle(const exec::Event& ev, exec::Executor& executor) {
    switch (ev.kind) {
      case exec::EventKind::worker_ready:
        if (python_version.empty()) python_version = ev.text;
        break;
      case exec::EventKind::configured:
        m_configured = true;
        // The first worker configured comes before any worker_ready: the header's Python.
        if (python_version.empty()) python_version = ev.text;
        send_header(ev.items);
        break;
      case exec::EventKind::collected:
        send_header({});
        collected_modules.insert(ev.module);
        on_collected(ev);
        break;
      case exec::EventKind::test_result:
        send_header({});
        if (voided(ev.result)) break;
        on_result(ev.batch, ev.result, executor);
        if (is_module_skip(ev.result, ev.module)) collection_finished(ev.origin, 0, 0, ev.result.reports, 0);
        break;
      case exec::EventKind::test_rerun:
        send_header({});
        if (voided(ev.result)) break;
        m_work_in[ev.batch] += ev.result.duration_s();  // test time, not the batch's overhead
        on_rerun(ev.result);
        break;
      case exec::EventKind::collect_error:
        send_header({});
        // The session's own collection ("" : a conftest hook broke pytest's directory walk)
        // fails once in pytest, however many workers' walks hit it.
        if (ev.collect_error.file.empty() && m_session_collect_failed) {
          collection_finished(ev.origin, 0, 0, 0, 0);
          break;
        }
        m_session_collect_failed |= ev.collect_error.file.empty();
        // More errors of this batch's collection follow: it is finished with the last.
        if (ev.more_errors > 0)
          m_counts.errors += m_uncollected.count(ev.origin);
        else
          collection_finished(ev.origin, 0, 0, 0, 1);
        ++collect_errors;
        failed_modules.insert(ev.module);
        ++summary.counts["error"];
        for (auto& r : m_reporters) r->on_collect_error(ev.collect_error);
        if (m_interrupt_on_collect_error && !collection_interrupted) {
          // pytest collects everything first and then runs nothing: find the other errors, run no more.
          collection_interrupted = true;
          executor.collect_only_rest();
        }
        break;
      case exec::EventKind::batch_started:
        m_started[ev.batch] = {ev.worker, ev.time_s};
        for (auto& r : m_reporters) r->on_batch_start(ev.batch, ev.origin, ev.worker);
        break;
      case exec::EventKind::batch_finished: {
        auto st = m_started[ev.batch];
        m_spans.push_back({st.first, ev.module, st.second, ev.time_s, m_tests_in[ev.batch]});
        // What the batch held its worker for beyond import and its tests' own phases
        // (module fixtures, every frame's encoding, transfer and decoding) is recorded
        // as its fixture time, so the module's estimate is the bar the timeline shows.
        const double beyond = ev.time_s - st.second - ev.import_s - m_work_in[ev.batch];
        const auto slice = m_slice_of.find(ev.origin);
        m_costs.push_back(
            {ev.module, slice == m_slice_of.end() ? 0 : slice->second, ev.worker, ev.import_s, std::max(0.0, beyond)});
        for (auto& r : m_reporters) r->on_batch_done(ev.module, ev.batch);
        if (m_flush.at_batch_end(m_pending.size())) flush();
        break;
      }
      case exec::EventKind::warning:
        if (!m_session_warnings.keep(ev.warning_record, ev.worker)) break;
        ++summary.warnings;
        for (auto& r : m_reporters) r->on_warning(ev.warning_record);
        break;
      case exec::EventKind::info:
        send_header({});
        for (auto& r : m_reporters) r->on_info(ev.text);
        break;
      case exec::EventKind::terminal_summary:
        for (auto& r : m_reporters) r->on_terminal_summary(ev.text, ev.tests > 0);
        break;
      case exec::EventKind::suite_property:
        if (ev.items.size() == 2)
          for (auto& r : m_reporters) r->on_suite_property(ev.items[0], ev.items[1]);
        break;
      case exec::EventKind::worker_lost:
        std::fprintf(stderr, "fastest: worker %d: %s\n", ev.worker, ev.text.c_str());
        break;
      case exec::EventKind::worker_fatal:
        on_worker_fatal(ev);
        break;
      case exec::EventKind::fatal:
        fatal = ev.text;
        break;
    }
  }

  /// The planned batches whose collection the "collected N items" line waits for.
  void expect_collection(std::int64_t origin) { m_uncollected.insert(origin); }
  /// Nothing left to wait for (no batches at all): the line can be printed now.
  void collection_check() {
    if (m_uncollected.empty() && !m_collection_reported) {
      m_collection_reported = true;
      // pytest's failed session collection yields no item at all.
      if (m_session_collect_failed) m_counts = {.errors = m_counts.errors};
      m_counts.interrupts = m_interrupt_on_collect_error && m_counts.errors > 0;
      for (auto& r : m_reporters) r->on_collection_done(m_counts);
    }
  }
  void add_static_errors(std::size_t n) { m_counts.errors += n; }
  /// Tests the controller deselected before planning (--sw): counted as pytest's deselected.
  void add_deselected(std::size_t n) {
    if (n == 0) return;
    m_counts.collected += n;
    m_counts.deselected += n;
    summary.counts["deselected"] += static_cast<int>(n);
  }
  /// A runtime collection error interrupts the run (no --continue-on-collection-errors).
  void set_interrupt_on_collect_error(bool on) { m_interrupt_on_collect_error = on; }
  /// After an interrupting collection error, the summary pytest prints: the collection's
  /// own outcomes (errors, module skips, deselected) and nothing of the tests that ran.
  void void_results(report::Summary& s) const {
    keep_collection_outcomes(s);
    s.interrupted = true;
    s.interrupt_reason = "Interrupted: " + std::to_string(collect_errors) +
                         (collect_errors == 1 ? " error" : " errors") + " during collection";
  }
  /// pytest ran no test (its collection was interrupted or exited): the summary holds
  /// only what collection decided.
  void keep_collection_outcomes(report::Summary& s) const {
    s.counts = m_session_collect_failed ? std::map<std::string, int>{} : m_collection_outcomes;
    s.counts["error"] += collect_errors;
    if (auto d = summary.counts.find("deselected"); d != summary.counts.end() && !m_session_collect_failed)
      s.counts["deselected"] = d->second;
    s.void_results = true;
  }
  /// --sw: stop at the first failure (--sw-skip: at the second).
  void set_stepwise(bool skip_one) {
    m_stepwise = true;
    m_stepwise_skip = skip_one;
  }

  void set_run(std::int64_t run_id) { m_run = run_id; }
  /// --flaky-fails: a flaky test counts as a failure (exit 1).
  void set_flaky_fails(bool on) { m_flaky_fails = on; }
  /// fastest's own --reruns: a pass after failed attempts is `flaky`. Attempts a plugin
  /// reran itself (pytest-rerunfailures' marks) keep pytest's words: passed, and N rerun.
  void set_own_reruns(bool on) { m_own_reruns = on; }
  /// --quarantine: these tests' failures are reported but do not fail the run.
  void set_quarantine(std::set<std::string> ids) { m_quarantine = std::move(ids); }
  void set_static_count(std::int64_t batch, std::size_t n) { m_static_of[batch] = n; }
  /// The plan's slice index of a batch (a module's cost rows are keyed by it).
  void set_slice(std::int64_t batch, int slice) { m_slice_of[batch] = slice; }

  void flush() {
    if (m_run < 0) return;
    auto warn = [&](const base::Status& st) {
      if (!st.ok() && !m_warned) {
        std::fprintf(stderr, "fastest: warning: results not recorded: %s\n", st.error().message.c_str());
        m_warned = true;
      }
    };
    if (!m_pending.empty() || !m_attempts.empty()) warn(m_db.record_results(m_run, m_pending, m_attempts));
    if (!m_spans.empty()) warn(m_db.record_batches(m_run, m_spans));
    if (!m_costs.empty()) warn(m_db.record_modules(m_run, m_costs));
    m_pending.clear();
    m_attempts.clear();
    m_spans.clear();
    m_costs.clear();
    m_flush.flushed();
  }

  report::Summary summary;
  std::string python_version, fatal;
  int failures = 0, collect_errors = 0, ran = 0;
  bool stopped_on_failure = false;
  bool collection_interrupted = false;  ///< a collection error came: no test result counts from then on
  bool collection_exited = false;       ///< a worker's `fatal` came during a batch's collection
  /// Modules whose runtime collection ran / failed: the next run dispatches failures first.
  std::set<std::string> collected_modules, failed_modules;
  bool stopped_stepwise = false;       ///< --sw stopped the run at a failure (pytest: interrupted, exit 2)
  std::optional<int> fatal_exit_code;  ///< a worker's `fatal`: pytest's exit code for it

 private:
  void send_header(const std::vector<std::string>& lines) {
    if (m_header_sent) return;
    m_header_sent = true;
    for (auto& r : m_reporters) r->on_worker_header(python_version, lines);
  }

  void on_collected(const exec::Event& ev) {
    for (auto& r : m_reporters) {
      r->on_batch_collected(ev.batch, ev.items.size());
      r->on_collected_items(ev.module, ev.items);
    }
    // A re-queued remainder (new batch id) was already counted by its first collection.
    auto it = m_static_of.find(ev.origin);
    if (it == m_static_of.end()) return;
    // A module that skipped itself is listed as its own path: pytest counts it as a
    // collection-time skip (or two, see `reports`), known from its result, not as an item
    // (nor in the progress percentage's total).
    const bool module_skip = ev.items.size() == 1 && ev.items[0] == ev.module;
    if (!module_skip) m_expected += ev.items.size();
    m_expected -= std::min(m_expected, it->second);
    m_static_of.erase(it);
    for (auto& r : m_reporters) r->on_progress_total(m_expected);
    if (module_skip) return;
    auto deselected = static_cast<std::size_t>(ev.deselected);
    if (deselected) summary.counts["deselected"] += static_cast<int>(deselected);
    collection_finished(ev.origin, ev.items.size() + deselected, deselected, 0, 0);
  }

  void collection_finished(std::int64_t origin, std::size_t items, std::size_t deselected, std::size_t skipped,
                           std::size_t errors) {
    if (auto it = m_static_of.find(origin); it != m_static_of.end() && errors) {
      m_expected -= std::min(m_expected, it->second);
      m_static_of.erase(it);
      for (auto& r : m_reporters) r->on_progress_total(m_expected);
    }
    if (!m_uncollected.erase(origin)) return;
    m_counts.collected += items;
    m_counts.deselected += deselected;
    m_counts.skipped += skipped;
    m_counts.errors += errors;
    collection_check();
  }

  static bool is_module_skip(const base::TestResult& r, const std::string& module) {
    return r.when == "collect" && r.outcome == base::Outcome::skipped && r.node_id == module;
  }

  /// A test's result after an interrupting collection error: pytest would not have run it.
  bool voided(const base::TestResult& r) const { return collection_interrupted && r.when != "collect"; }

  void on_worker_fatal(const exec::Event& ev) {
    // Every worker may hit the same conftest error: pytest shows it once.
    if (fatal_exit_code) return;
    fatal_exit_code = ev.exit_code;
    if (ev.result.when == "collect") {
      // pytest.exit() in pytest_collection_modifyitems: pytest collects first and runs
      // nothing; the module goes first next time, so the exit comes before any test.
      collection_exited = true;
      failed_modules.insert(ev.module);
    }
    summary.fatal = true;
    summary.session_finish_raised = ev.result.when == "sessionfinish";
    // Before any worker was configured is pytest's start-up (its session never started).
    summary.fatal_at_startup = !m_configured;
    std::string msg = ev.text;
    if (!msg.empty() && msg.back() != '\n') msg += '\n';
    if (m_configured && ev.exit_code == 3 && msg.rfind("INTERNALERROR> ", 0) == 0) {
      // pytest's terminal reporter has it by then: the lines go to stdout with the
      // session's, and junitxml records it (the reporters' part, at the end).
      summary.internal_error = std::move(msg);
      return;
    }
    std::fwrite(msg.data(), 1, msg.size(), stderr);
    std::fflush(stderr);
  }

  /// --reruns: a failed attempt; the test's final result comes later.
  void on_rerun(const base::TestResult& r) {
    if (stopped_stepwise) return;
    count("rerun", 1);
    m_reran[r.node_id] = std::max(m_reran[r.node_id], r.attempt);
    for (auto& rep : m_reporters) rep->on_rerun(r);
    m_attempts.push_back(r);
  }

  void on_result(std::int64_t batch, const base::TestResult& result, exec::Executor& executor) {
    // pytest's --sw ends the session at the failure: what other workers finish after it did not run there.
    if (stopped_stepwise) return;
    base::TestResult flaky;
    const base::TestResult& r = with_attempts(result, flaky);
    ++ran;
    if (r.when == "collect") m_collection_outcomes[std::string(base::summary_word(r.outcome))] += r.reports;
    ++m_tests_in[batch];
    m_work_in[batch] += r.duration_s();
    // A failed sub-report (pytest-subtests) fails the run as pytest's session.testsfailed
    // counts it, though the test's own report passed.
    const bool failed = base::is_failure(r.outcome) || !r.teardown_error.empty() ||
                        (m_flaky_fails && r.outcome == base::Outcome::flaky) || base::subreport_failed(r);
    const bool quarantined = failed && m_quarantine.count(r.node_id) > 0;
    if (quarantined) {
      ++summary.counts["quarantined"];
      summary.quarantined.push_back(r.node_id);
    } else {
      // pytest's stats: each report under its category, the sub-reports first.
      for (const auto& sub : r.subreports) count(base::summary_key(sub.outcome, &sub.status), 1);
      count(base::summary_key(r.outcome, r.status.get()), r.reports);
      if (!r.teardown_error.empty()) ++summary.counts["error"];
    }
    for (auto& rep : m_reporters) rep->on_result(r);
    m_pending.push_back(base::subreport_failed(r) ? as_recorded(r) : r);
    if (m_flush.after_result(m_pending.size())) flush();
    if (failed && !quarantined && !collection_interrupted) {
      // pytest's testsfailed counts reports: each failed sub-report, and the test's own.
      int reports_failed = 0;
      for (const auto& sub : r.subreports) reports_failed += base::is_failure(sub.outcome) ? 1 : 0;
      failures += std::max(1, reports_failed + (base::is_failure(r.outcome) ? 1 : 0));
      if (m_maxfail > 0 && failures >= m_maxfail && !stopped_on_failure) {
        stopped_on_failure = true;
        executor.request_stop();
      }
      if (m_stepwise && m_stepwise_skip) {
        m_stepwise_skip = false;
      } else if (m_stepwise && !stopped_stepwise && !stopped_on_failure) {
        stopped_stepwise = true;
        executor.request_stop();
      }
    }
  }

  /// One more report under `key` ("" : not counted); a key first seen is ordered last.
  void count(const std::string& key, int n) {
    if (key.empty()) return;
    auto [it, fresh] = summary.counts.try_emplace(key, 0);
    it->second += n;
    if (fresh) summary.category_order.push_back(key);
  }

  /// What the store keeps of a test whose sub-report failed: a failure (its history, --lf,
  /// `fastest stats` see one), with the failed sub-reports' texts under their titles.
  static base::TestResult as_recorded(const base::TestResult& r) {
    base::TestResult out = r;
    out.outcome = base::Outcome::failed;
    out.when = "call";
    out.longrepr.clear();
    out.message.clear();
    for (const auto& sub : r.subreports) {
      if (!base::is_failure(sub.outcome)) continue;
      if (out.message.empty()) out.message = sub.message;
      out.longrepr +=
          (out.longrepr.empty() ? "" : "\n\n") + (sub.head_line.empty() ? "" : sub.head_line + "\n") + sub.longrepr;
    }
    out.subreports.clear();
    return out;
  }

  /// `r` numbered after its reruns; a pass after failed attempts is flaky (a copy in `out`).
  const base::TestResult& with_attempts(const base::TestResult& r, base::TestResult& out) {
    auto it = m_reran.find(r.node_id);
    if (it == m_reran.end()) return r;
    out = r;
    out.attempt = std::max(r.attempt, it->second + 1);
    if (out.outcome == base::Outcome::passed && m_own_reruns) out.outcome = base::Outcome::flaky;
    m_reran.erase(it);
    return out;
  }

  store::HistoryStore& m_db;
  std::int64_t m_run;
  std::vector<std::unique_ptr<report::Reporter>>& m_reporters;
  std::size_t m_expected;
  int m_maxfail;
  std::map<std::int64_t, std::size_t> m_static_of;
  std::map<std::int64_t, int> m_slice_of;
  std::vector<base::TestResult> m_pending;
  std::vector<base::TestResult> m_attempts;  ///< failed attempts (reruns) not recorded yet
  std::map<std::string, int> m_reran;        ///< node id -> its last failed attempt's number
  bool m_flaky_fails = false;
  bool m_own_reruns = false;
  std::set<std::string> m_quarantine;
  SessionWarnings m_session_warnings;
  std::vector<store::BatchSpan> m_spans;
  std::vector<store::ModuleCost> m_costs;
  std::map<std::int64_t, std::pair<int, double>> m_started;  ///< batch -> (worker, start)
  std::map<std::int64_t, int> m_tests_in;                    ///< batch -> results
  std::map<std::int64_t, double> m_work_in;                  ///< batch -> sum of its results' durations
  std::set<std::int64_t> m_uncollected;                      ///< planned batches not collected yet
  report::CollectionCounts m_counts;
  bool m_session_collect_failed = false;  ///< a collect_error for the session itself came
  bool m_collection_reported = false, m_header_sent = false;
  bool m_configured = false;  ///< a worker was configured: pytest's session has started
  bool m_stepwise = false, m_stepwise_skip = false;
  bool m_warned = false;
  bool m_interrupt_on_collect_error = false;
  std::map<std::string, int> m_collection_outcomes;  ///< results decided at collection (module skips, class errors)
  FlushPolicy m_flush;
};

}  // namespace

namespace {

/// `spent_s`: the seconds expected before the first batch starts (history, plan, header,
/// workers still starting), which the run's actual makespan counts and the plan's
/// simulation does not.
store::RunInfo make_run_info(const RunContext& ctx, int workers, const std::string& schedule,
                             const scheduler::Plan& plan, double spent_s) {
  const Options& o = ctx.opts;
  store::RunInfo info;
  info.git_commit = git_commit(ctx.ini.rootdir);
  for (const auto& a : o.argv) info.argv += (info.argv.empty() ? "" : " ") + a;
  info.workers = workers;
  info.schedule = schedule;
  info.shard = o.shard;
  info.host = host_name();
  info.predicted_makespan_s = plan.predicted_makespan_s + std::max(0.0, spent_s);
  info.lower_bound_s = plan.lower_bound_s;
  return info;
}

/// pytest's precedence: internal error, interrupted, failures, collection errors, nothing ran.
ExitCode exit_code_for(const EventSink& sink, bool interrupted, bool continue_on_errors) {
  if (!sink.fatal.empty()) return ExitCode::internal_error;
  if (sink.fatal_exit_code) return static_cast<ExitCode>(*sink.fatal_exit_code);
  if (interrupted || sink.stopped_stepwise) return ExitCode::interrupted;
  // pytest stops at collection errors (exit 2) unless told to go on.
  if (sink.collect_errors > 0 && !continue_on_errors) return ExitCode::interrupted;
  if (sink.failures > 0 || sink.collect_errors > 0) return ExitCode::tests_failed;
  if (sink.ran == 0) return ExitCode::no_tests;
  return ExitCode::ok;
}

/// --quarantine: tests whose flip rate over the kept runs reaches the threshold.
std::set<std::string> quarantined_tests(const store::HistoryStore& db, double threshold) {
  std::set<std::string> out;
  auto rows = db.flakiness(SIZE_MAX, std::max(threshold, 1e-9));
  if (rows.ok())
    for (const auto& f : rows.value()) out.insert(f.node_id);
  return out;
}

/// The --json document's run identity: the history database's uuid for this run.
report::JsonRunInfo json_run_info(const Options& o, store::HistoryStore& db, std::int64_t run_id) {
  report::JsonRunInfo info;
  info.argv = o.argv;
  info.started_unix = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (run_id < 0) return info;
  auto recent = db.recent_runs(1);
  if (recent.ok() && !recent.value().empty() && recent.value().front().id == run_id) {
    info.uuid = recent.value().front().uuid;
    info.started_unix = recent.value().front().started_unix;
  }
  return info;
}

store::RunEnd make_run_end(ExitCode code, double wall, report::Summary& summary) {
  store::RunEnd end;
  end.exit_status = static_cast<int>(code);
  end.actual_makespan_s = wall;
  end.passed = summary.counts["passed"];
  end.failed = summary.counts["failed"];
  end.errors = summary.counts["error"];
  end.skipped = summary.counts["skipped"];
  return end;
}

bool plugin_owns_reruns(const RunContext& ctx) {
  return ctx.opts.reruns > 0 && ctx.opts.rerunfailures_loads && ctx.engine == "pytest";
}

}  // namespace

exec::ExecOptions make_exec_options(const RunContext& ctx, int workers, const std::filesystem::path& main_py) {
  const auto& o = ctx.opts;
  exec::ExecOptions eo;
  eo.workers = workers;
  eo.spawn.python = ctx.python;
  eo.spawn.main_script = main_py;
  eo.timeout_s = o.timeout_s;
  eo.reruns = o.reruns;
  auto& wc = eo.config;
  wc.reruns = o.reruns;
  wc.reruns_delay = o.reruns_delay;
  wc.rootdir = ctx.ini.rootdir.string();
  wc.capture = o.capture;
  wc.import_mode = o.import_mode;
  wc.keyword = o.keyword;
  wc.markexpr = o.markexpr;
  wc.verbose = o.verbose;
  // --sw stops at the first failure as -x does (with --sw-skip at the second: the controller stops it).
  wc.exitfirst = o.maxfail == 1 || (o.stepwise && !option_bool(o, "stepwise_skip").value_or(false));
  wc.run_xfail = o.runxfail;
  wc.basetemp = o.basetemp;
  wc.cache_dir = (ctx.cache_root / "rewrite").string();
  wc.ini_json = ini_as_json(ctx.ini);
  wc.engine = ctx.engine;
  wc.args = o.expanded_args;
  if (!o.plugin_timeout_arg.empty() && ctx.engine == "pytest") {
    // pytest-timeout owns --timeout there, as in pytest (its marks override it, its failure
    // text is pytest's); the native engine, which does not run it, keeps fastest's kill.
    eo.timeout_s = 0;
    wc.args.push_back(o.plugin_timeout_arg);
  }
  if (plugin_owns_reruns(ctx)) {
    // pytest-rerunfailures owns --reruns there, as in pytest: it reruns a failed test at
    // once, inside its protocol, with its marks and words (N rerun, a pass stays passed).
    eo.reruns = wc.reruns = 0;
    wc.args.push_back("--reruns=" + std::to_string(o.reruns));
    if (o.reruns_delay > 0) {
      char delay[48];
      std::snprintf(delay, sizeof delay, "--reruns-delay=%.17g", o.reruns_delay);
      wc.args.push_back(delay);
    }
  }
  wc.invocation_dir = ctx.invocation_dir.string();
  wc.argv = o.argv;
  wc.options_json = o.options_json;
  wc.worker_id = o.workers == 0 ? "master" : "";  // "": the executor names them gw0, gw1, ...
  wc.worker_count = workers;
  // Both engines' start-up (plugins, conftests, pytest_configure) can fail: once, not per
  // batch. And a batch starts only on a configured worker, so the first batch on each
  // worker is not charged with start-up: its recorded overhead and the live ETA's
  // actual/predicted correction stay true.
  eo.await_configured = true;
  // As xdist's worker, pytest's runtestprotocol needs each batch's last `nextitem`.
  wc.hold_last = ctx.engine == "pytest";
  return eo;
}

ExitCode Session::execute(std::atomic<exec::Executor*>& slot, std::atomic<bool>& interrupted,
                          const std::atomic<int>& signal) {
  const auto& o = m_ctx.opts;
  base::SteadyClock clock;
  const double t0 = clock.now_seconds();
  auto reporters = make_reporters(m_ctx, clock);
  std::string schedule_name;
  auto plan = make_plan(schedule_name);
  if (!plan.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", plan.error().message.c_str());
    return ExitCode::usage_error;
  }
  int workers = std::max(1, std::min<int>(m_ctx.workers, static_cast<int>(plan->batches.size())));
  report::RunHeader header;
  describe_root(m_ctx, header);
  header.collection_lines = m_collection_lines;
  // What the plan runs, as discovery sees it (--lf and --sw leave modules out).
  std::size_t planned = 0;
  for (const auto& b : plan->batches) planned += b.select.empty() ? m_full_counts[b.module] : b.select.size();
  header.collected = planned;
  header.modules = m_modules.size();
  header.collect_errors = m_errors.size();
  header.workers = workers;
  header.schedule = schedule_name;
  if (!m_ctx.engine_line.empty()) header.extra_lines.push_back(m_ctx.engine_line);
  header.predicted_s = m_db.run_count() > 0 ? plan->predicted_makespan_s : 0;
  header.lower_bound_s = plan->lower_bound_s;
  header.engine = m_ctx.engine;
  for (const auto& b : plan->batches) header.batch_costs.push_back(b.cost_s);
  // pytest lists collection errors in collection order: a file that failed to parse sits
  // among the modules (walk errors, such as a missing path, come first).
  for (const auto& e : m_errors)
    if (std::find(m_order.begin(), m_order.end(), e.file) == m_order.end()) header.module_order.push_back(e.file);
  header.module_order.insert(header.module_order.end(), m_order.begin(), m_order.end());
  if (m_order.empty())
    for (const auto& m : m_modules) header.module_order.push_back(m.module);
  for (auto& r : reporters.all) r->on_start(header);
  for (const auto& n : m_ctx.notes) std::fprintf(stderr, "fastest: %s\n", n.c_str());
  // pytest does not run anything when collection failed (unless told to go on), but it
  // collects everything first: after a file that fails to parse, every batch only
  // collects, so the other modules' import errors are found and reported as pytest does.
  const bool collect_only = !m_errors.empty() && !o.continue_on_collection_errors;

  EventSink sink(m_db, -1, reporters.all, planned, o.maxfail, clock);
  if (collect_only) sink.collection_interrupted = true;
  sink.add_static_errors(m_errors.size());
  sink.add_deselected(m_deselected);
  if (o.stepwise) sink.set_stepwise(option_bool(o, "stepwise_skip").value_or(false));
  sink.set_flaky_fails(o.flaky_fails);
  sink.set_own_reruns(o.reruns > 0 && !plugin_owns_reruns(m_ctx));
  sink.set_interrupt_on_collect_error(!o.continue_on_collection_errors);
  if (o.quarantine) sink.set_quarantine(quarantined_tests(m_db, o.quarantine_threshold));
  for (const auto& e : m_errors) {
    // --continue-on-collection-errors: they are reported and count against the run.
    sink.summary.counts["error"]++;
    ++sink.collect_errors;
    for (auto& r : reporters.all) r->on_collect_error(e);
  }
  auto main_py = exec::install_harness(m_ctx.cache_root);
  if (!main_py.ok()) {
    std::fprintf(stderr, "fastest: internal error: %s\n", main_py.error().message.c_str());
    return ExitCode::internal_error;
  }
  // The stored prediction is a forecast of the run's wall time: the plan plus the start-up
  // past runs of the same kind measured (warm or cold workers: their first batch's median
  // start, the session's own work and the wait for workers still starting), or what this
  // session has spent so far if more. A warm run after cold ones only (the second run of a
  // new build) has no such figure: its own time so far is the better guess than a cold start.
  double startup_s = clock.now_seconds() - t0;
  if (auto past = m_db.planning_record(10); past.ok() && past->runs > 0) {
    const std::optional<double> same = m_ctx.cold_start ? past->cold_startup_s : past->warm_startup_s;
    if (same || m_ctx.cold_start) startup_s = std::max(startup_s, same.value_or(past->startup_s));
  }
  auto info = make_run_info(m_ctx, workers, schedule_name, plan.value(), startup_s);
  info.cold_start = m_ctx.cold_start;
  auto run_id = m_db.begin_run(info);
  std::int64_t rid = run_id.ok() ? run_id.value() : -1;
  sink.set_run(rid);
  if (reporters.json) reporters.json->set_run(json_run_info(o, m_db, rid));

  std::vector<exec::WorkItem> items;
  for (std::size_t i = 0; i < plan->batches.size(); ++i) {
    auto& b = plan->batches[i];
    sink.set_static_count(static_cast<std::int64_t>(i), b.select.empty() ? m_full_counts[b.module] : b.select.size());
    sink.expect_collection(static_cast<std::int64_t>(i));
    sink.set_slice(static_cast<std::int64_t>(i), b.slice);
    items.push_back({.id = static_cast<std::int64_t>(i),
                     .module = b.module,
                     .select = std::move(b.select),
                     .first = std::move(b.first),
                     .collect_only = collect_only,
                     .cost_s = b.cost_s,
                     .worker = b.worker,
                     .pinned = b.pinned});
  }
  sink.collection_check();
  std::unique_ptr<exec::Executor> own;
  if (!m_pool) {
    own = std::make_unique<exec::Executor>(make_exec_options(m_ctx, workers, main_py.value()), clock);
    slot.store(own.get());
  }
  exec::Executor& executor = m_pool ? *m_pool : *own;
  if (interrupted.load()) executor.request_stop(true);
  {
    // The live display redraws (and a plain log names a long test) between events.
    report::Reporter* term = reporters.terminal;
    Ticker ticker(term ? term->tick_interval_s() : 0, [&] {
      std::vector<report::WorkerActivity> running;
      for (auto& a : executor.running()) running.push_back({a.worker, std::move(a.nodeid), a.since_s});
      term->on_tick(running);
    });
    executor.run(std::move(items), [&](const exec::Event& ev) { sink.handle(ev, executor); });
  }
  slot.store(nullptr);
  sink.flush();
  save_collect_failures(m_ctx, sink.failed_modules, sink.collected_modules);

  report::Summary summary = sink.summary;
  summary.wall_s = clock.now_seconds() - t0;
  if (interrupted.load()) {
    summary.interrupted = true;
    int sig = signal.load();
    summary.interrupt_reason = sig == SIGTERM  ? "Interrupted: Terminated (SIGTERM)"
                               : sig == SIGHUP ? "Interrupted: Hangup (SIGHUP)"
                                               : "Interrupted: KeyboardInterrupt";
  } else if (sink.collection_interrupted) {
    sink.void_results(summary);
  } else if (sink.collection_exited) {
    sink.keep_collection_outcomes(summary);
  } else if (sink.stopped_stepwise) {
    summary.interrupted = true;
    summary.interrupt_reason = "Interrupted: Test failed, continuing from this test next run.";
  } else if (sink.stopped_on_failure) {
    // pytest's session.shouldfail, plural whatever the count.
    summary.interrupted = true;
    summary.interrupt_reason = "stopping after " + std::to_string(sink.failures) + " failures";
  }
  if (!sink.fatal.empty()) std::fprintf(stderr, "fastest: error: %s\n", sink.fatal.c_str());
  ExitCode code = exit_code_for(sink, interrupted.load(), o.continue_on_collection_errors);
  summary.exit_code = static_cast<int>(code);
  for (auto& r : reporters.all) r->on_finish(summary);
  if (reporters.junit && reporters.junit->write_failed())
    std::fprintf(stderr, "fastest: error: could not write %s\n", o.junitxml.c_str());
  if (reporters.json && reporters.json->write_failed())
    std::fprintf(stderr, "fastest: error: could not write %s\n", o.json_path.c_str());
  if (rid >= 0) {
    auto st = m_db.finish_run(rid, make_run_end(code, summary.wall_s, summary), sink.python_version);
    if (!st.ok())
      std::fprintf(stderr, "fastest: warning: the run's end was not recorded: %s\n", st.error().message.c_str());
  }
  return code;
}

}  // namespace fastest::app
