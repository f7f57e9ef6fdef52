#pragma once
// pytest's own cache files, written at the end of a run as pytest's cacheprovider and
// stepwise plugins leave them, so a user who goes back to `pytest --lf` / `--nf` / `--sw`
// finds this run's lists (fastest's own --lf/--ff/--nf/--sw read its history store).
//
//   <cache_dir>/v/cache/lastfailed  LFPlugin: the previous file, updated by this run's
//                                   collection and test reports, written when it changed
//   <cache_dir>/v/cache/nodeids     NFPlugin: previous ids + this run's collected ones, sorted
//   <cache_dir>/v/cache/stepwise    [] without --sw, else the id --sw continues from (or null)
//
// Off with `-p no:cacheprovider`; `cache_dir` ini (relative to the rootdir, `~` and
// `$VAR` expanded, default .pytest_cache or $TOX_ENV_DIR/.pytest_cache); --cache-clear
// empties `v/` and `d/` before the workers start. See docs/compatibility.md.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "report/reporter.h"

namespace fastest::app {

struct RunContext;

/// pytest's cache directory for this run, or nullopt when `-p no:cacheprovider`.
std::optional<std::filesystem::path> pytest_cache_dir(const RunContext& ctx);

/// --cache-clear: what pytest's Cache.for_config removes (`v/` and `d/`). Call before the
/// workers start (plugins read `config.cache` at configure).
void clear_pytest_cache(const RunContext& ctx);

/// The three files' contents from the previous files and this run's reports: pure, so the
/// rules are tested on their own (tests/app/pytest_cache_test.cc).
class PytestCacheState {
 public:
  PytestCacheState() = default;
  PytestCacheState(const PytestCacheState&) = delete;  // holds views into its own strings
  PytestCacheState& operator=(const PytestCacheState&) = delete;
  /// The previous files' text (empty: none, or unreadable as JSON: pytest's default).
  void load(const std::string& lastfailed, const std::string& nodeids, const std::string& stepwise);
  /// --sw / --sw-skip were given (else stepwise is written as []).
  void set_stepwise(bool on, bool skip);
  /// A module's collected (selected) items, in pytest's order; modules in collection order.
  void add_collected(const std::string& module, const std::vector<std::string>& ids);
  void add_collect_error(const std::string& module);
  /// A test's final result (finish() puts them in pytest's order).
  void add_result(const base::TestResult& r);

  struct Files {
    std::optional<std::string> lastfailed;  ///< nullopt: unchanged, not written
    /// nullopt: not written (--collect-only, or the previous file already lists exactly
    /// this run's union, in pytest's own rendering: rewriting it would give the same bytes)
    std::optional<std::string> nodeids;
    std::string stepwise;
  };
  /// Applies the reports in pytest's order (collection first, then the tests by module
  /// in `module_order` and by collected position) and renders each file as pytest's
  /// json.dumps(indent=2, ensure_ascii=False). `void_results`: an interrupting collection
  /// error came, so only collection-time results count (pytest ran no test). Once.
  Files finish(const std::vector<std::string>& module_order, bool write_nodeids, bool void_results = false);

 private:
  std::vector<std::pair<std::string, std::string>> m_lastfailed;  ///< key -> JSON value text, file order
  /// The previous nodeids file's ids, sorted and unique: views into m_nodeids_text when it
  /// is pytest's rendering of plain ids (m_nodeids_canonical), else into m_nodeids_parsed.
  std::string m_nodeids_text;
  std::vector<std::string> m_nodeids_parsed;
  std::vector<std::string_view> m_nodeids;
  bool m_nodeids_canonical = false;
  std::optional<std::string> m_stepwise;  ///< the id --sw continues from
  bool m_sw = false, m_sw_skip = false;
  std::map<std::string, std::vector<std::string>> m_collected;  ///< module -> ids
  std::vector<std::string> m_collected_order;                   ///< modules as collected
  std::vector<std::string> m_errors;
  struct Report {
    std::string id;
    bool failed = false;          ///< a phase failed (a teardown error included)
    bool outcome_failed = false;  ///< the deciding phase failed
    bool teardown_error = false;
    bool setup_skip = false;  ///< skipped before its call (no call report to clear --sw's id)
    bool collect = false;     ///< decided at collection time
  };
  std::string stepwise_text();
  std::vector<Report> m_results;
};

/// The reporter that feeds PytestCacheState from the run and writes the files at its end
/// (creating the directory with pytest's README.md, .gitignore and CACHEDIR.TAG).
/// nullptr when pytest's cache plugin is disabled.
std::unique_ptr<report::Reporter> make_pytest_cache_writer(const RunContext& ctx);

}  // namespace fastest::app
