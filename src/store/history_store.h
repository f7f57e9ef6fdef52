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
};

/// What is known when it ends.
struct RunEnd {
  int exit_status = 0;
  double actual_makespan_s = 0;
  int passed = 0, failed = 0, errors = 0, skipped = 0;
};

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
  /// The cached parse of `rel_path`, or nullopt if absent.
  std::optional<CachedFile> cached_file(std::string_view rel_path) const;
  /// Upserts the given files (items replace the file's previous items) in one transaction.
  base::Status save_files(std::span<const CachedFile> files);

  // --- runs ---
  base::Result<std::int64_t> begin_run(const RunInfo& info);
  /// Appends results of a running run, in one transaction. Durations that are negative,
  /// NaN or absurd (> 1 week) are clamped to 0 / rejected.
  base::Status record_results(std::int64_t run_id, std::span<const base::TestResult> results);
  base::Status finish_run(std::int64_t run_id, const RunEnd& end);

  // --- history ---
  /// node id -> duration (seconds) of its most recent recorded result.
  std::unordered_map<std::string, double> last_durations() const;
  /// Node ids whose most recent result was a failure (failed, error, crashed, timed out).
  std::vector<std::string> last_failed() const;
  /// Number of finished runs recorded.
  std::int64_t run_count() const;

 private:
  struct Impl;
  explicit HistoryStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace fastest::store
