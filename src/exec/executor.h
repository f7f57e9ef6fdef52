#pragma once
// Drives N persistent worker processes from a oneTBB pool. Each worker takes its planned
// batches in the given order (base::WorkQueues: with moves that even the finish, then
// unplanned ones, then stealing); events come back on the caller's thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/test_item.h"
#include "exec/protocol.h"
#include "exec/worker_process.h"

namespace fastest::exec {

/// One batch: a module, or the node-id prefixes to run in it (empty = all).
struct WorkItem {
  std::int64_t id = 0;
  std::int64_t origin = -1;  ///< id of the planned batch this one continues (-1: itself)
  std::string module;
  std::vector<std::string> select{};
  std::vector<std::string> first{};  ///< node-id prefixes to run before the others (--ff, --nf)
  int attempt = 0;                   ///< how many workers already died on this batch's remainder
  int import_attempts = 0;           ///< how many workers already died importing the module
  bool collect_only = false;         ///< report the collected node ids, run nothing
  /// Predicted seconds (0 = unknown). A batch predicted at most ExecOptions::ahead_max_s
  /// has the next one sent to its worker behind it (docs/protocol.md, "Batches sent ahead").
  double cost_s = 0;
  /// The slot planned to run it (the scheduler's split, each slot's batches in the given
  /// order); -1 or out of range = unplanned. base::WorkQueues decides what a free slot
  /// takes (its own, one taken over in order from a slot running late, unplanned, stolen).
  int worker = -1;
  bool pinned = false;  ///< only `worker` runs it, never moved or stolen (xdist_group)
  /// --reruns: node id -> failed attempts it already had in an earlier worker (a crash).
  std::vector<std::pair<std::string, int>> attempts{};
};

struct ExecOptions {
  int workers = 1;
  SpawnSpec spawn;
  WorkerConfig config;
  double timeout_s = 0;           ///< per test; 0 = none
  double shutdown_grace_s = 5;    ///< for session teardown before the worker is killed
  double exit_grace_s = 2;        ///< after the worker closed its output (atexit handlers), then killed
  double startup_timeout_s = 60;  ///< for a new worker's `ready`
  double stack_dump_wait_s = 1;   ///< how long a timed-out worker gets to dump its stacks
  int max_attempts = 3;           ///< a remainder re-queued this often is reported, not retried
  int max_import_attempts = 2;    ///< workers that may die importing one module before it is an error
  /// --reruns: a test that crashed (or timed out) its worker runs again in a fresh worker,
  /// after the rest of its batch, at most this often; attempts count across workers.
  int reruns = 0;
  /// Wait for each new worker's `configured` before giving it a batch; a worker that dies
  /// or sends `fatal` before it is a start-up failure that drains the pool (no replacement,
  /// so a broken plugin or conftest fails once, not once per batch).
  bool await_configured = false;
  /// A worker running a batch predicted at most this long (WorkItem::cost_s) is sent its
  /// next batch at once, so it never waits for the controller's round trip between two
  /// short batches; 0 = never. Not with `config.hold_last` (the pytest engine).
  double ahead_max_s = 0.05;
};

/// Captured stdout/stderr/longrepr kept per test, whatever the worker sends. Bytes.
inline constexpr std::size_t k_max_captured_bytes = 4u << 20;

enum class EventKind : int {
  worker_ready = 1,
  batch_started = 2,
  collected = 3,
  test_result = 4,
  collect_error = 5,
  batch_finished = 6,
  warning = 7,
  worker_lost = 8,      ///< a worker died or was killed; `text` says why
  fatal = 9,            ///< the pool cannot go on (interpreter missing, ...)
  configured = 10,      ///< a worker applied its config; `items` = its pytest_report_header lines
  info = 11,            ///< `text` to print verbatim on stdout (--fixtures, --markers, --setup-show ...)
  suite_property = 12,  ///< record_testsuite_property: `items` = {name, value}
  /// A worker's session-level error (conftest pytest_configure raised, pytest.exit(), bad
  /// -W ...): `text` = pytest's message, `exit_code` = pytest's code. No batch is started
  /// after it and no worker replaces the one that sent it; busy workers finish their batch.
  worker_fatal = 13,
  /// --reruns: `result` is a failed attempt (`attempt` numbers it) of a test that runs again.
  test_rerun = 14,
  /// The pytest engine: what plugins' and conftests' pytest_terminal_summary wrote (`text`).
  terminal_summary = 15,
};

struct Event {
  EventKind kind = EventKind::fatal;
  int worker = -1;
  std::int64_t batch = -1;
  std::int64_t origin = -1;  ///< the planned batch `batch` continues (itself unless re-queued)
  std::string module{};
  double time_s = 0;  ///< seconds since the executor started
  double import_s = 0;
  std::vector<std::string> items{};  ///< collected node ids
  std::vector<std::string> tree{};   ///< collected: each item's collectors (--collect-only's tree)
  std::int64_t deselected = 0;       ///< collected: items the worker deselected (-k, -m, hooks)
  int exit_code = 0;                 ///< worker_fatal
  std::int64_t tests = 0;            ///< terminal_summary: the tests the worker ran
  /// collect_error: the batch's collect_error events still to come (a test module's
  /// DoctestModule fails before its Module under --doctest-modules).
  std::int64_t more_errors = 0;
  base::WarningRecord warning_record{};
  base::TestResult result{};
  base::CollectionError collect_error{};
  std::string text{};  ///< warning text, reason for worker_lost / fatal, python version for worker_ready / configured
};

class Executor {
 public:
  Executor(ExecOptions opts, const base::Clock& clock);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// Starts the workers now (Python start-up, harness import, config) while the caller
  /// goes on discovering and planning. Idempotent; run() calls it if nobody did. Events
  /// of the start-up are held until run() delivers them.
  void start();

  /// Every conftest.py the session's collection loads (absolute paths, pytest's load order):
  /// each worker is told them with its first batch, so that its session-wide hooks
  /// (pytest_collection_modifyitems, pytest_sessionfinish) are every conftest's, as in
  /// pytest. Call before run().
  void set_conftests(std::vector<std::string> paths) { m_conftests = std::move(paths); }

  /// Runs `items` (dispatch order) and calls `on_event` for each event on this thread.
  /// Returns when everything ran, or after request_stop(). Once per executor.
  void run(std::vector<WorkItem> items, const std::function<void(const Event&)>& on_event);

  /// Seconds from start() until the last started worker was ready for a batch (its
  /// `configured` if awaited, else its `ready` and config sent); 0 if none yet.
  double workers_ready_s() const;

  /// A test a worker runs now: the slot, its node id and the clock when its `start` came.
  struct Activity {
    int worker = -1;
    std::string nodeid;
    double since_s = 0;
  };
  /// The tests in flight, one per busy slot. Safe from any thread (a lock per call).
  std::vector<Activity> running() const;

  /// Stops dispatch and kills busy workers at once; results already reported are kept.
  /// Safe to call from any thread and from a signal handler (an atomic store and a
  /// write to an eventfd that wakes every slot blocked on its worker).
  /// `interrupted`: the stop is an interrupt (Ctrl-C, SIGTERM), which idle workers' session
  /// ends are told (pytest's exit status 2 for pytest_sessionfinish).
  void request_stop(bool interrupted = false);
  bool stop_requested() const { return m_stop.load(std::memory_order_relaxed); }

  /// Collection failed somewhere and the run is interrupted as pytest interrupts it (pytest
  /// collects everything, then runs nothing): every batch not started yet is only
  /// collected (`collect_only`: its errors are found, none of its tests runs), and a busy
  /// worker whose batch has reported its collection is killed (within a second; its test
  /// in flight is not reported) and replaced. Results already reported are kept. Any thread.
  void collect_only_rest();

 private:
  struct Shared;
  struct Slot;
  void slot_loop(int slot, Shared& shared);
  ExecOptions m_opts;
  std::vector<std::string> m_conftests;
  const base::Clock& m_clock;
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_interrupted{false};
  int m_wake_fd = -1;
  std::unique_ptr<Shared> m_shared;
  std::thread m_driver;
};

/// Cuts `text` to at most `max_bytes` (at a UTF-8 character boundary) and says so.
std::string cap_text(std::string text, std::size_t max_bytes);

}  // namespace fastest::exec
