#pragma once
// The SQLite store: discovery cache, runs, per-test results and history.
// The only module that includes SQLiteCpp. The controller is the only writer.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/test_item.h"

namespace fastest::store {

/// Set in PRAGMA application_id so a foreign SQLite file is recognised ("FSTT").
inline constexpr std::int32_t k_application_id = 0x46535454;

/// A cached discovery result for one file (mirrors discovery::ParsedFile; app converts).
struct CachedFile {
  std::string rel_path;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t content_hash = 0;
  std::vector<base::TestItem> items;
  std::optional<base::CollectionError> error;
  std::uint64_t parse_key = 0;       ///< discovery's ParsedFile::parse_key (0 in rows from schema 2)
  std::optional<std::string> facts;  ///< discovery's encoded ConftestFacts, for conftest.py files
  std::int64_t ctime_ns = 0;         ///< discovery's ParsedFile::ctime_ns, inode, checked_ns
  std::uint64_t inode = 0;
  std::int64_t checked_ns = 0;
  /// The items still in the store's encoding (item_blob.h), in place of `items`: what a read
  /// with `encoded` gives (validated), and what save_files writes as it is when not empty.
  std::string items_blob{};
};

/// What is known about a run when it starts.
struct RunInfo {
  std::string argv;
  int workers = 1;
  std::string schedule;  ///< "history", "fifo"
  std::string shard;     ///< "2/4" or ""
  std::string python_version;
  std::string host;
  std::string git_commit;
  double predicted_makespan_s = 0;
  double lower_bound_s = 0;  ///< the plan's max(total / workers, largest indivisible batch)
  /// The workers started cold: their harness had never been imported (no bytecode yet), as
  /// in the first run of a new fastest build. Its start-up is not a warm run's.
  bool cold_start = false;
};

/// What is known when it ends.
struct RunEnd {
  int exit_status = 0;
  double actual_makespan_s = 0;
  int passed = 0, failed = 0, errors = 0, skipped = 0;
};

/// Import and module-scope fixture time of one module (or slice of one) in a run. Seconds.
struct ModuleCost {
  std::string file;  ///< rootdir-relative module path
  int slice = 0;     ///< 0 unless the planner split the module into slices
  int worker = -1;
  double import_s = 0, fixture_s = 0;
};

/// One batch on one worker's timeline. Seconds since the run started.
struct BatchSpan {
  int worker = -1;
  std::string module;
  double start_s = 0, end_s = 0;
  int tests = 0;
};

/// What the planner needs from history (the app joins it with discovery's ids).
struct History {
  /// (node id, robust seconds per run: median of recent valid durations), each id once, in the
  /// store's node order. A flat list: the planner only iterates it (scheduler/cost_model.cc keys
  /// it by static id itself), and a hash map of 100,000 ids was a third of start-up.
  std::vector<std::pair<std::string, double>> test_seconds;
  /// module path -> import + module-fixture seconds paid by each batch of that module.
  std::unordered_map<std::string, double> module_overhead_seconds;
};

/// Where a run happens, for history kept per environment. Empty / 0 fields match any.
struct Environment {
  std::string python_version;
  std::string host;
  int workers = 0;
};

/// One test's statistics for `fastest stats`.
struct TestStat {
  std::string node_id, file;
  std::int64_t runs = 0;         ///< results recorded (any outcome)
  double estimate_s = 0;         ///< median of recent durations
  double spread_s = 0;           ///< 1.4826 x MAD of recent durations
  std::optional<double> last_s;  ///< most recent valid duration
  base::Outcome last_outcome = base::Outcome::passed;
  std::int64_t failures = 0, flips = 0;  ///< flips: pass <-> fail changes between consecutive runs
  double trend = 1;                      ///< newer half's median / older half's, over `recent`
  std::vector<double> recent;            ///< up to 16 recent durations, oldest first
};

/// One test's flakiness over the kept runs (`fastest stats --flaky`, `--quarantine`).
struct FlakyStat {
  std::string node_id;
  std::int64_t runs = 0;    ///< kept runs where it had a verdict (passed, failed or flaky; skips ignored)
  std::int64_t flips = 0;   ///< pass <-> fail changes between consecutive such runs (flaky counts as a pass)
  std::int64_t flaky = 0;   ///< flaky verdicts: failed, then passed on a rerun, within one run
  double flip_rate = 0;     ///< (flips + flaky) / runs: 0 steady, about 0.5 for a coin
  std::string last_commit;  ///< runs.git_commit of the newest run where it flipped ("" unknown)
  double last_flip_unix = 0;
};

/// A test or module that got slower (`fastest stats --regressions`), within one environment.
struct Regression {
  std::string name;  ///< node id, or module path when `module`
  bool module = false;
  std::string env;                   ///< "python 3.11.2, host ci-7, 2 workers"
  double before_s = 0, after_s = 0;  ///< medians of the earlier and the recent segment
  std::string commit;                ///< runs.git_commit of the first slower run ("" unknown)
  std::size_t runs_before = 0, runs_after = 0;
};

/// One module's statistics for `fastest stats`.
struct ModuleStat {
  std::string file;
  std::int64_t tests = 0;
  double estimate_s = 0;  ///< tests' estimates + overhead_s
  double overhead_s = 0;  ///< import + module fixtures (median of recent)
  double spread_s = 0;    ///< root of the summed squared test spreads
  double last_s = 0;      ///< sum of the tests' last durations + last overhead
  double trend = 1;       ///< estimate-weighted mean of the tests' trends
};

/// One run for `fastest stats` and `fastest db` output.
struct RunSummary {
  std::int64_t id = 0;  ///< this file's handle
  std::string uuid;     ///< global identity (merges dedupe on it)
  double started_unix = 0;
  std::optional<double> ended_unix;  ///< nullopt while running or if it was killed
  RunInfo info;
  std::optional<RunEnd> end;
  double work_s = 0;   ///< sum of recorded test durations
  double balance = 0;  ///< work_s / (workers x actual makespan), 0 when unknown
};

/// What `fastest plan` states about past runs: start-up and how good predictions were.
struct PlanningRecord {
  std::size_t runs = 0;  ///< finished runs with a prediction and a batch timeline used
  /// Median first-batch start (the session's own work and the wait for workers) of the warm
  /// runs among them, or of all when none was warm: what a typical run spends before its plan.
  double startup_s = 0;
  std::optional<double> warm_startup_s;  ///< that median over the warm runs; none without one
  std::optional<double> cold_startup_s;  ///< the same over runs whose workers started cold
  double median_error = 0;               ///< median |predicted - actual| / actual of the batch timeline's span
  double worst_error = 0;                ///< the largest such error
};

/// The answer to `fastest db query`: column names and rows (NULL as nullopt).
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

/// What `fastest db check` reports; `ok` when there are no problems.
struct CheckReport {
  bool ok = false;
  int schema_version = 0;
  std::int32_t application_id = 0;
  std::vector<std::string> problems;
};

/// One connection to one history database. Not thread-safe: use one per thread (several
/// processes and connections may share a file; writes are serialised by SQLite's lock).
class HistoryStore {
 public:
  /// Opens (creating directories and the schema as needed) a database file. A corrupt or
  /// foreign file is moved aside (path + ".corrupt-<unix time>") and a new one created; the
  /// reason is added to warnings(). A newer schema version is an Error (database).
  static base::Result<std::unique_ptr<HistoryStore>> open(const std::filesystem::path& path);
  /// In-memory database (tests, --no-db runs).
  static base::Result<std::unique_ptr<HistoryStore>> open_memory();
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  /// Non-fatal problems met while opening (file set aside, ...), for the terminal.
  const std::vector<std::string>& warnings() const;
  /// PRAGMA user_version of the open database.
  int schema_version() const;

  // --- discovery cache ---
  /// The cached parse of `rel_path`, or nullopt if absent. `encoded`: its items come as
  /// CachedFile::items_blob (checked to decode), not decoded into `items`.
  std::optional<CachedFile> cached_file(std::string_view rel_path, bool encoded = false) const;
  /// Every cached file, sorted by rel_path (std::lower_bound finds one), read in one scan:
  /// for discovery of many files, where one cached_file() per file costs a query each.
  /// Empty on a read error. `encoded` as for cached_file: the 100,000 TestItems of a
  /// 10,000-file cache cost more to build than the rest of the read.
  std::vector<CachedFile> cached_files(bool encoded = false) const;
  /// Upserts the given files (items replace the file's previous items) in one transaction.
  base::Status save_files(std::span<const CachedFile> files);

  // --- runs ---
  /// Starts a run (a new row with a random 128-bit uuid); returns this file's handle for it.
  base::Result<std::int64_t> begin_run(const RunInfo& info);
  /// Appends results of a running run, in one transaction, and folds each into its test's
  /// statistics. Durations that are negative, NaN or absurd (> 1 week) are clamped to 0 /
  /// rejected (stored as unknown; the outcome is kept). A second result for the same test in
  /// the same run (duplicate arguments) is kept in repeats, numbered from 2: the first one is
  /// the test's result and the only one folded into its statistics. `attempts` (--reruns) are failed attempts of
  /// tests run again: each is kept in the attempts table by its `attempt` number, in the same
  /// transaction, and does not change the test's statistics (its final result does).
  base::Status record_results(std::int64_t run_id, std::span<const base::TestResult> results,
                              std::span<const base::TestResult> attempts = {});
  /// Records the end of a run, then prunes to the retention (see set_retention / prune).
  /// `python_version`: the workers' Python, known once one started ("" keeps RunInfo's).
  base::Status finish_run(std::int64_t run_id, const RunEnd& end, const std::string& python_version = "");

  // --- history ---
  /// node id -> duration (seconds) of its most recent result with a valid duration.
  std::unordered_map<std::string, double> last_durations() const;
  /// Node ids whose most recent result was a failure (failed, error, crashed, timed out).
  std::vector<std::string> last_failed() const;
  /// Number of finished runs recorded.
  std::int64_t run_count() const;

  // --- history for the planner (schema 2) ---
  /// Per-test robust seconds and per-module overheads, from the incrementally kept statistics.
  History history() const;
  /// The same, preferring `env`'s durations: when the kept runs hold more than one
  /// environment and some match `env`, a test's seconds are the median of its last 16 timed
  /// results in matching runs; a test measured only elsewhere gets the median of its other
  /// results scaled by the measured ratio between the environments (the median, over tests
  /// measured in both, of this environment's median / the others'). Module overheads are
  /// not kept per environment.
  History history(const Environment& env) const;
  /// Appends module costs of a running run (one transaction); bad durations count as unknown.
  base::Status record_modules(std::int64_t run_id, std::span<const ModuleCost> modules);
  /// Appends batch spans of a running run (one transaction), for the per-worker timeline.
  base::Status record_batches(std::int64_t run_id, std::span<const BatchSpan> batches);

  // --- `fastest stats` ---
  /// The `top` tests with the largest estimate (ties by node id).
  base::Result<std::vector<TestStat>> slowest_tests(std::size_t top) const;
  /// The `top` tests with the most pass/fail flips (then failures), only those with a flip.
  base::Result<std::vector<TestStat>> flaky_tests(std::size_t top) const;
  /// Tests that flipped or were flaky in the kept runs, highest flip rate first (then more
  /// flaky verdicts, then node id); only tests with `flip_rate >= min_rate`.
  base::Result<std::vector<FlakyStat>> flakiness(std::size_t top, double min_rate = 0) const;
  /// Tests and modules whose recent median duration is more than `ratio` x their earlier
  /// median in the kept runs of one environment (Python version, host, workers): see
  /// find_step_up in change_point.h. Largest ratio first. Module durations are the sums of
  /// their tests' recorded durations per run.
  base::Result<std::vector<Regression>> regressions(double ratio = 1.5) const;
  /// Start-up and prediction accuracy over the last `count` finished runs that had a
  /// prediction (the plan's LPT makespan) and a batch timeline (first start to last end).
  base::Result<PlanningRecord> planning_record(std::size_t count = 10) const;
  /// Runs whose results are still kept (not pruned).
  std::int64_t kept_runs() const;
  /// The `top` modules with the largest estimate.
  base::Result<std::vector<ModuleStat>> slowest_modules(std::size_t top) const;
  /// The last `count` runs, newest first.
  base::Result<std::vector<RunSummary>> recent_runs(std::size_t count) const;
  /// The batch timeline of a run, by worker then start.
  base::Result<std::vector<BatchSpan>> batches(std::int64_t run_id) const;

  // --- retention and `fastest db` ---
  /// Runs whose results are kept (default 30) and, when `max_age_days` > 0, only while they
  /// started less than that many days ago; finish_run prunes to it. At least 1 run.
  void set_retention(int keep_runs, double max_age_days = 0);
  /// Deletes results, module costs and batches of all but the newest `keep_runs` runs, and
  /// (when `max_age_days` > 0) of runs that started more than `max_age_days` ago except the
  /// newest run: their statistics were folded in when recorded; the runs' own rows stay for
  /// identity and stats. Then the statistics of tests not seen in the kept runs. Returns
  /// results deleted. The file does not shrink until compact().
  base::Result<std::int64_t> prune(int keep_runs, double max_age_days = 0);
  /// Gives the pages freed by prune back to the file system (VACUUM, then a checkpoint that
  /// empties the -wal): what `fastest db prune` does after pruning.
  base::Status compact();
  /// Folds another store file into this one: runs (by uuid), results, module costs, batches,
  /// statistics and the discovery cache. Commutative and idempotent; never drops rows. The
  /// other file is only read (it is checked first; a bad one is an Error and nothing changes).
  base::Status merge_from(const std::filesystem::path& other);
  /// Creates (or updates) `out` from `inputs`, in any order: see merge_from. Inputs that cannot
  /// be used are skipped with a line in `warnings`; the Error is for `out` itself.
  static base::Status merge(std::span<const std::filesystem::path> inputs, const std::filesystem::path& out,
                            std::vector<std::string>& warnings);
  /// Writes one consistent, self-contained file (no -wal) at `out`, atomically (VACUUM INTO a
  /// temporary file, then rename). Overwrites `out`.
  base::Status export_to(const std::filesystem::path& out) const;
  /// Runs one read-only SQL statement over the documented views (v_runs, v_results, v_tests,
  /// v_modules, v_attempts; docs/store.md) of the file at `path`, opened with
  /// SQLITE_OPEN_READONLY and PRAGMA query_only. A statement that would write is refused
  /// (Error usage) before it runs; SQLite's own message for malformed SQL is an Error usage
  /// too; a file that is missing, foreign, corrupt or of an older schema is Error database.
  static base::Result<QueryResult> query(const std::filesystem::path& path, const std::string& sql);
  /// Checks a file without changing it: header, application id, schema version and objects,
  /// PRAGMA integrity_check.
  static base::Result<CheckReport> check(const std::filesystem::path& path);

 private:
  struct Impl;
  explicit HistoryStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace fastest::store
