#include "exec/executor.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <tbb/concurrent_queue.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/work_queues.h"

namespace fastest::exec {

struct Executor::Shared {
  std::mutex mu;
  std::condition_variable cv;
  /// Batches waiting: `requeued` (remainders of lost workers) first, by any slot; then
  /// what base::WorkQueues gives the slot out of `planned` (WorkItem::worker: each slot's
  /// share in the given order, moves that even the predicted finish, unplanned ones,
  /// stealing at the end). `planned[i]` is the batch sealed i-th, id `first_id + i`.
  std::deque<WorkItem> requeued;
  std::vector<WorkItem> planned;
  std::optional<base::WorkQueues> queues;
  std::int64_t first_id = 0;
  bool sealed = false;  ///< run() handed over its items (or the executor is going away)
  int busy_slots = 0;   ///< slots that took a first batch
  std::int64_t next_id = 0;
  tbb::concurrent_bounded_queue<std::optional<Event>> events;  ///< nullopt = pool finished
  std::unique_ptr<tbb::global_control> threads;
  std::mutex activity_mu;
  std::vector<std::pair<std::string, double>> activity;  ///< per slot: test in flight ("" none), since
  double started_at = 0;                                 ///< clock at start()
  std::atomic<double> t0{0};                             ///< clock at run(): event times count from here
  std::atomic<double> last_ready_s{0};                   ///< since start(): when the last worker got ready
  /// A worker sent `fatal` (or its start-up failed): no slot takes another batch or
  /// starts another worker.
  std::atomic<bool> draining{false};
  /// collect_only_rest(): batches taken from now on only collect.
  std::atomic<bool> collect_rest{false};

  bool empty() const { return requeued.empty() && queues->empty(); }
  WorkItem planned_item(std::size_t i) {
    WorkItem w = std::move(planned[i]);
    if (collect_rest.load()) w.collect_only = true;
    return w;
  }

  /// The next batch for `slot`, free at `now_s`; pre-started slots wait here until run()
  /// seals the queues.
  std::optional<WorkItem> take(int slot, double now_s, const std::atomic<bool>& stop) {
    std::unique_lock lock(mu);
    // A timed wait, not a notify, notices request_stop(): it may come from a signal handler.
    while (empty() && !sealed && !stop.load(std::memory_order_relaxed) && !draining.load())
      cv.wait_for(lock, std::chrono::milliseconds(50));
    if (!requeued.empty()) {
      WorkItem w = std::move(requeued.front());
      requeued.pop_front();
      if (collect_rest.load()) w.collect_only = true;
      return w;
    }
    auto i = queues->take(slot, now_s);
    if (!i) return std::nullopt;
    return planned_item(*i);
  }
  /// A batch to send behind one `slot`'s worker runs now, or nullopt: only once every slot
  /// has had a batch, and never the last one another worker could take, so that no worker
  /// goes idle at the end while another still holds a batch it has not begun.
  std::optional<WorkItem> take_ahead(int slot, int workers) {
    std::lock_guard lock(mu);
    if (busy_slots < workers || !requeued.empty()) return std::nullopt;
    auto i = queues->take_ahead(slot);
    if (!i) return std::nullopt;
    return planned_item(*i);
  }
  /// Batches sent ahead to `slot`'s worker, lost before it began them: they go back first.
  /// (Only planned batches are sent ahead, so each is `planned[origin - first_id]`.)
  void give_back(int slot, std::vector<WorkItem> items) {
    std::lock_guard lock(mu);
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      const auto i = static_cast<std::size_t>(it->origin - first_id);
      queues->give_back(slot, i, it->cost_s, it->pinned);
      planned[i] = std::move(*it);
    }
  }
  void note_busy() {
    std::lock_guard lock(mu);
    ++busy_slots;
  }
  /// Whether `slot` could take a batch (another slot's pinned ones it never gets).
  bool has_work(int slot) {
    std::lock_guard lock(mu);
    return !requeued.empty() || queues->has_for(slot);
  }
  void requeue(WorkItem w) {
    std::lock_guard lock(mu);
    w.id = next_id++;
    requeued.push_front(std::move(w));
  }
  /// The pytest engine's terminal stats at shutdown (`summary_stats`): one part per slot
  /// whose worker sent them; a slot is settled when it sent them or its loop ended.
  std::mutex stats_mu;
  std::condition_variable stats_cv;
  std::vector<std::optional<std::string>> stats_parts;
  std::vector<bool> stats_settled;
  int stats_unsettled = 0;

  void settle_stats(int slot, std::optional<std::string> part) {
    {
      std::lock_guard lock(stats_mu);
      const auto i = static_cast<std::size_t>(slot);
      if (!stats_settled[i]) {
        stats_settled[i] = true;
        stats_parts[i] = std::move(part);
        --stats_unsettled;
      }
    }
    stats_cv.notify_all();
  }
  /// Every part sent, in slot order, once every slot is settled (or the run is interrupted:
  /// then what came so far). The slots still running batches settle when they end.
  std::vector<std::string> gathered_stats(int slot, std::string part, const std::atomic<bool>& interrupted) {
    settle_stats(slot, std::move(part));
    std::unique_lock lock(stats_mu);
    while (stats_unsettled > 0 && !interrupted.load(std::memory_order_relaxed))
      stats_cv.wait_for(lock, std::chrono::milliseconds(50));
    std::vector<std::string> out;
    for (const auto& p : stats_parts)
      if (p) out.push_back(*p);
    return out;
  }

  void seal(std::vector<WorkItem> items) {
    {
      std::lock_guard lock(mu);
      first_id = next_id;
      for (auto& it : items) {
        it.id = next_id++;
        it.origin = it.id;
        queues->add(planned.size(), it.worker, it.cost_s, it.pinned);
        planned.push_back(std::move(it));
      }
      sealed = true;
    }
    cv.notify_all();
  }
};

namespace {

/// How many batches a worker holds queued behind the one it runs (see Slot::send_ahead).
constexpr std::size_t k_ahead_depth = 2;
/// Largest `run` frame sent ahead: k_ahead_depth of them fit a pipe's 64 KiB (Linux's
/// default and least), so sending one never waits for a busy worker to read.
constexpr std::size_t k_ahead_max_frame = 16u << 10;

/// State of one batch on one worker, to know what is left if the worker dies.
struct BatchState {
  std::vector<std::string> collected;
  std::unordered_set<std::string> done;
  std::unordered_map<std::string, int> reruns;  ///< node id -> failed attempts reported as reruns
  std::string in_flight;
  double in_flight_start = 0;
  bool finished = false;
  bool collect_failed = false;
  bool fatal = false;             ///< the worker sent `fatal` and exits
  bool collection_known = false;  ///< `collected` or `collect_error` came
  bool held = false;              ///< hold_last: the worker holds the batch's last test back (`held`)
};

enum class BatchEnd { finished, held, lost, timed_out, stopped, fatal, abandoned };

base::TestResult failed_result(const WorkItem& item, const std::string& nodeid, base::Outcome outcome,
                               const std::string& text) {
  base::TestResult r;
  r.node_id = nodeid;
  r.file = item.module;
  r.outcome = outcome;
  r.message = text.substr(0, text.find('\n'));
  r.longrepr = text;
  return r;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

}  // namespace

std::string cap_text(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t total = text.size();
  std::size_t cut = max_bytes;
  // Back off continuation bytes (10xxxxxx) so the cut never splits a UTF-8 character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text += "\n[... truncated by fastest: " + std::to_string(total) + " bytes in all ...]\n";
  return text;
}

/// One pool slot: the worker it currently drives and the batch loop around it.
struct Executor::Slot {
  Executor& ex;
  Shared& shared;
  int index;
  std::unique_ptr<WorkerProcess> proc{};
  std::int64_t current_origin = -1;  ///< origin of the batch this slot runs
  pid_t told_conftests = 0;          ///< the worker that was sent the session's conftests

  /// hold_last: a batch whose last test waits in the worker until the next `run` (or
  /// `shutdown`) tells it what follows (docs/protocol.md, "Holding back a batch's last test").
  struct Held {
    WorkItem item;
    BatchState bs;
    double held_at = 0;       ///< clock when `held` came
    double released_at = -1;  ///< clock of its first frame after that (the held test's start)
  };
  std::optional<Held> held{};
  /// While a held test waits, the next batch's `batch_started` and `collected` events are
  /// kept here (with the clock they happened at) and delivered once the held batch ends,
  /// so consumers see one batch at a time per worker and each batch's span is its own.
  std::int64_t deferring = -1;  ///< the batch whose events are kept back (-1: none)
  std::vector<std::pair<Event, double>> deferred{};
  /// The last finished batch, freed only when the next one finishes or after `shutdown`
  /// was sent: a 50,000-test batch's ids take ~30 ms to free, which the worker's own
  /// shutdown then overlaps instead of following.
  std::optional<std::pair<WorkItem, BatchState>> finished{};
  /// Batches sent to the worker behind the one it runs, in the order it will run them.
  std::deque<WorkItem> ahead{};
  bool took_first = false;  ///< this slot took a batch (Shared::busy_slots counts it)

  // By reference: an Event (a TestResult and a dozen strings) moved on every hop cost ~1,500
  // instructions a move, twice per result before it reached the queue.
  void emit(Event&& ev) { emit_at(std::move(ev), ex.m_clock.now_seconds()); }
  void emit_at(Event&& ev, double at) {
    ev.worker = index;
    if (ev.origin < 0) ev.origin = current_origin;
    if (deferring >= 0 && ev.batch == deferring) {
      deferred.emplace_back(std::move(ev), at);
      return;
    }
    ev.time_s = at - shared.t0.load();
    if (!ev.result.node_id.empty()) ev.result.batch = ev.batch;
    shared.events.push(std::move(ev));
  }

  /// Delivers the kept-back events, `shift_s` later than they happened (the held test's
  /// run, which the next batch's span must not include).
  void deliver_deferred(double shift_s) {
    deferring = -1;
    auto evs = std::move(deferred);
    deferred.clear();
    for (auto& [ev, at] : evs) emit_at(std::move(ev), at + shift_s);
  }

  /// The worker is gone or stopped: what it held will not run there.
  void forget_held() {
    held.reset();
    deferring = -1;
    deferred.clear();
  }

  /// Kills the worker (its process group) and forgets what it held: its test in flight is
  /// not reported.
  void drop_worker() {
    forget_held();
    proc->kill_group(SIGKILL);
    proc->reap(1.0);
    proc.reset();
  }

  /// The worker is killed; the results it had written or held before are reported (those
  /// of `item` only: a batch sent ahead that it began is not, as a test in flight is not).
  void keep_finished(const WorkItem& item, BatchState& bs) {
    proc->kill_group(SIGKILL);
    proc->reap(1.0);
    for (;;) {
      WorkerMessage msg;
      std::string err;
      // Bounded: the pipe is at EOF once the worker is gone (a leftover child may hold it).
      if (proc->read(msg, 0.05, err) != ReadStatus::message || msg.type == MessageType::batch_done) break;
      if ((msg.type == MessageType::result || msg.type == MessageType::warning) && msg.batch == item.id)
        on_message(msg, item, bs);
    }
  }

  /// What running() reports for this slot ("" = idle).
  void set_activity(const std::string& nodeid, double since) {
    std::lock_guard lock(shared.activity_mu);
    auto& a = shared.activity[static_cast<std::size_t>(index)];
    a.first.assign(nodeid);
    a.second = since;
  }

  /// `item`'s `run` frame; `tell`: with the session's conftests (a worker's first `run`).
  std::string run_frame(const WorkItem& item, bool tell) const {
    return encode_run(item.id, item.module, item.select, item.collect_only, item.first, item.attempts,
                      tell ? ex.m_conftests : std::vector<std::string>{});
  }
  bool told() const { return ex.m_conftests.empty() || proc->pid() == told_conftests; }
  void send_run(const WorkItem& item) {
    const bool tell = !told();
    told_conftests = proc->pid();
    (void)proc->send(run_frame(item, tell));
  }

  /// While `current` and the batches queued behind it are predicted short, tops the
  /// worker's queue up: it then reads its next `run` the moment a batch ends instead of
  /// waiting for the controller to read `batch_done` and answer (docs/protocol.md).
  void send_ahead(const WorkItem& current) {
    const auto& o = ex.m_opts;
    const auto is_short = [&](const WorkItem& w) { return w.cost_s > 0 && w.cost_s <= o.ahead_max_s; };
    if (o.ahead_max_s <= 0 || o.config.hold_last || !proc || !told() || !is_short(current)) return;
    while (ahead.size() < k_ahead_depth && (ahead.empty() || is_short(ahead.back()))) {
      auto next = shared.take_ahead(index, std::max(1, o.workers));
      if (!next) return;
      // A busy worker reads nothing until its batch ends, and this thread, blocked on a
      // full pipe, would read none of its frames: only frames the pipe surely holds go ahead.
      std::string frame = run_frame(*next, false);
      if (frame.size() > k_ahead_max_frame) {
        shared.give_back(index, {std::move(*next)});
        return;
      }
      (void)proc->send(frame);
      ahead.push_back(std::move(*next));
    }
  }

  /// The worker will not run what was sent ahead: back to the front of the queue, in order.
  void give_back_ahead() {
    if (ahead.empty()) return;
    shared.give_back(index, {std::make_move_iterator(ahead.begin()), std::make_move_iterator(ahead.end())});
    ahead.clear();
  }

  bool start_worker() {
    auto spawned = WorkerProcess::spawn(ex.m_opts.spawn);
    if (!spawned.ok()) {
      emit(Event{.kind = EventKind::fatal, .text = spawned.error().message});
      return false;
    }
    proc = std::move(spawned).value();
    WorkerMessage hello;
    std::string err;
    auto st = proc->read(hello, ex.m_opts.startup_timeout_s, err, ex.m_wake_fd);
    if (st == ReadStatus::woken) {
      proc.reset();
      return false;
    }
    if (st != ReadStatus::message || hello.type != MessageType::ready) {
      std::string why = st == ReadStatus::timeout   ? "no answer in " + seconds_text(ex.m_opts.startup_timeout_s) + " s"
                        : st == ReadStatus::message ? "it sent '" + hello.type_name + "' before 'ready'"
                                                    : err;
      proc->kill_group(SIGKILL);
      std::string status = proc->reap(1);
      emit(Event{.kind = EventKind::fatal,
                 .text = "worker did not start: '" + ex.m_opts.spawn.python + "' " + why + " (" + status +
                         "); is it a Python 3 interpreter?"});
      proc.reset();
      return false;
    }
    if (hello.protocol != k_protocol_version) {
      emit(Event{.kind = EventKind::fatal,
                 .text = "worker speaks protocol " + std::to_string(hello.protocol) + ", expected " +
                         std::to_string(k_protocol_version)});
      proc.reset();
      return false;
    }
    WorkerConfig config = ex.m_opts.config;
    if (config.worker_id.empty()) config.worker_id = "gw" + std::to_string(index);
    if (!proc->send(encode_config(config)).ok()) {
      emit(Event{.kind = EventKind::fatal, .text = "worker exited right after start (" + proc->reap(1) + ")"});
      proc.reset();
      return false;
    }
    if (ex.m_opts.await_configured && !await_configured(hello.python)) return false;
    emit(Event{.kind = EventKind::worker_ready, .text = hello.python});
    note_ready();
    return true;
  }

  void note_ready() {
    double t = ex.m_clock.now_seconds() - shared.started_at;
    double prev = shared.last_ready_s.load();
    while (t > prev && !shared.last_ready_s.compare_exchange_weak(prev, t)) {
    }
  }

  /// The worker's start-up after `config` (pytest imported, plugins and conftests loaded,
  /// pytest_configure run). A `fatal` or a death before `configured` drains the pool: the
  /// next worker would fail the same way, so none replaces it and the error shows once.
  bool await_configured(const std::string& python) {
    for (;;) {
      WorkerMessage msg;
      std::string err;
      auto st = proc->read(msg, ex.m_opts.startup_timeout_s, err, ex.m_wake_fd);
      if (st == ReadStatus::woken) {
        proc->kill_group(SIGKILL);
        proc->reap(1);
        proc.reset();
        return false;
      }
      if (st == ReadStatus::message && msg.type == MessageType::configured) {
        emit(Event{.kind = EventKind::configured, .items = std::move(msg.header), .text = python});
        return true;
      }
      if (st == ReadStatus::message && msg.type == MessageType::fatal) {
        shared.draining.store(true);
        emit(Event{.kind = EventKind::worker_fatal, .exit_code = msg.exit_code, .text = std::move(msg.message)});
        after_fatal();
        return false;
      }
      if (st == ReadStatus::message) {
        BatchState none;
        on_session_message(msg, WorkItem{}, none);  // warnings, info lines of the start-up
        continue;
      }
      const bool timed_out = st == ReadStatus::timeout;
      proc->kill_group(SIGKILL);
      std::string status = proc->reap(1);
      proc.reset();
      // Only the first slot to fail says so: the others died of the same start-up.
      if (!shared.draining.exchange(true))
        emit(Event{
            .kind = EventKind::fatal,
            .text = "worker start-up failed: " +
                    (timed_out ? "no 'configured' in " + seconds_text(ex.m_opts.startup_timeout_s) + " s" : status) +
                    " (plugins, conftests or pytest_configure; its output is above); no other worker is "
                    "started"});
      return false;
    }
  }

  /// A worker may die between batches (a timer a test left behind): notice it before
  /// handing it the next module, which must not be blamed.
  void drop_if_dead() {
    if (!proc || !proc->exited()) return;
    std::string status = proc->reap(0);
    emit(Event{.kind = EventKind::worker_lost, .text = "worker exited while idle (" + status + ")"});
    proc.reset();
    // Its held test never started: it runs in the next worker.
    if (held) requeue_rest(held->item, held->bs, status);
    forget_held();
  }

  void on_message(WorkerMessage& msg, const WorkItem& item, BatchState& bs) {
    switch (msg.type) {
      case MessageType::collected:
        bs.collected = msg.items;
        bs.collection_known = true;
        emit(Event{.kind = EventKind::collected,
                   .batch = item.id,
                   .module = item.module,
                   .import_s = msg.import_s,
                   .items = std::move(msg.items),
                   .tree = std::move(msg.tree),
                   .deselected = msg.deselected});
        break;
      case MessageType::start:
        bs.in_flight = msg.nodeid;
        bs.in_flight_start = ex.m_clock.now_seconds();
        set_activity(bs.in_flight, bs.in_flight_start);
        break;
      case MessageType::result:
        on_result(msg, item, bs);
        break;
      case MessageType::held:
        if (msg.batch == item.id) bs.held = true;
        break;
      case MessageType::rerun:
        if (!bs.done.count(msg.nodeid)) {
          ++bs.reruns[msg.nodeid];
          emit(test_event(EventKind::test_rerun, msg, item, bs));
        }
        if (bs.in_flight == msg.nodeid) bs.in_flight.clear();
        break;
      case MessageType::collect_error:
        bs.collect_failed = true;
        // Known with the batch's last collect_error (`more` of them still to come).
        bs.collection_known = msg.more == 0;
        // The frame's module names the collector that failed: the batch's module, or the
        // session ("") or a package ("pkg/__init__.py") whose walk a conftest hook broke.
        emit(Event{.kind = EventKind::collect_error,
                   .batch = item.id,
                   .module = item.module,
                   .more_errors = msg.more,
                   .collect_error = {std::move(msg.module), msg.line,
                                     cap_text(std::move(msg.longrepr), k_max_captured_bytes), std::move(msg.message)}});
        break;
      case MessageType::warning:
        emit(Event{.kind = EventKind::warning,
                   .batch = item.id,
                   .module = item.module,
                   .warning_record = {msg.nodeid, msg.category, msg.message, msg.filename, msg.lineno},
                   .text = msg.category + ": " + msg.message});
        break;
      case MessageType::batch_done:
        bs.finished = true;
        emit(Event{.kind = EventKind::batch_finished,
                   .batch = item.id,
                   .module = item.module,
                   .import_s = msg.import_s,
                   .text = msg.teardown_error});
        break;
      default:
        on_session_message(msg, item, bs);
        break;
    }
  }

  /// Messages about the worker's session rather than the batch (protocol v2).
  void on_session_message(WorkerMessage& msg, const WorkItem& item, BatchState& bs) {
    switch (msg.type) {
      case MessageType::configured:
        emit(Event{.kind = EventKind::configured, .items = std::move(msg.header)});
        break;
      case MessageType::info:
        emit(Event{.kind = EventKind::info, .batch = item.id, .module = item.module, .text = std::move(msg.text)});
        break;
      case MessageType::terminal_summary:
        emit(Event{.kind = EventKind::terminal_summary, .tests = msg.tests, .text = std::move(msg.text)});
        break;
      case MessageType::suite_property:
        emit(Event{.kind = EventKind::suite_property, .items = {std::move(msg.name), std::move(msg.value)}});
        break;
      case MessageType::fatal:
        // Set before the event is seen, so no slot takes a batch the session would not run.
        shared.draining.store(true);
        bs.fatal = true;
        emit(Event{.kind = EventKind::worker_fatal,
                   .batch = item.id,
                   .module = item.module,
                   .exit_code = msg.exit_code,
                   .result = std::move(msg.result),  // `when` = "collect": during the batch's collection
                   .text = std::move(msg.message)});
        break;
      default:
        break;
    }
  }

  /// The worker said `fatal` and exits by itself: reap it (bounded), never replace it.
  void after_fatal() {
    proc->reap(ex.m_opts.exit_grace_s);
    proc.reset();
  }

  /// A test_result or test_rerun event from a worker's `result` / `rerun`.
  Event test_event(EventKind kind, WorkerMessage& msg, const WorkItem& item, const BatchState& bs) {
    auto& r = msg.result;
    r.file = item.module;
    r.worker = index;
    // A batched `start` arrives with its result: the test began at most its phases ago.
    const double now = ex.m_clock.now_seconds();
    const double began = now - r.duration_s();
    r.start_offset_s = (bs.in_flight == msg.nodeid ? std::min(bs.in_flight_start, began) : began) - shared.t0.load();
    r.captured_stdout = cap_text(std::move(r.captured_stdout), k_max_captured_bytes);
    r.captured_stderr = cap_text(std::move(r.captured_stderr), k_max_captured_bytes);
    r.longrepr = cap_text(std::move(r.longrepr), k_max_captured_bytes);
    for (auto& sec : r.sections) sec.second = cap_text(std::move(sec.second), k_max_captured_bytes);
    return Event{.kind = kind, .batch = item.id, .module = item.module, .result = std::move(r)};
  }

  void on_result(WorkerMessage& msg, const WorkItem& item, BatchState& bs) {
    // A second result for one id comes from a forked child that returned into the harness.
    if (bs.done.insert(msg.nodeid).second) emit(test_event(EventKind::test_result, msg, item, bs));
    if (bs.in_flight == msg.nodeid) {
      bs.in_flight.clear();
      set_activity(bs.in_flight, 0);
    }
  }

  /// Failed attempts `id` had before now: in earlier workers and as this worker's reruns.
  static int failed_attempts(const WorkItem& item, const BatchState& bs, const std::string& id) {
    int n = 0;
    for (const auto& [k, v] : item.attempts)
      if (k == id) n = v;
    if (auto it = bs.reruns.find(id); it != bs.reruns.end()) n += it->second;
    return n;
  }

  /// A frame of the held batch: its last test runs now that the worker knows what follows.
  void on_held_message(WorkerMessage& msg) {
    Held& h = *held;
    const double now = ex.m_clock.now_seconds();
    if (h.released_at < 0) h.released_at = now;
    const std::int64_t own_origin = current_origin;
    current_origin = h.item.origin;
    if (msg.type != MessageType::batch_done) {
      on_message(msg, h.item, h.bs);
      current_origin = own_origin;
      return;
    }
    // Its span is the time it ran: not the wait for the next batch nor that batch's import.
    emit_at(Event{.kind = EventKind::batch_finished,
                  .batch = h.item.id,
                  .module = h.item.module,
                  .import_s = msg.import_s,
                  .text = msg.teardown_error},
            now - (h.released_at - h.held_at));
    current_origin = own_origin;
    const double ran = now - h.released_at;
    held.reset();
    deliver_deferred(ran);
  }

  /// After an interrupting collection error, a batch whose collection is known is given
  /// up once one of its tests starts (pytest would not run it). A module's own report
  /// (node id without "::": the module skipped itself at import) is collection's, which
  /// pytest counts in the interrupted run's summary, so it is still read.
  bool abandon_for_collect_rest(const WorkItem& item, const BatchState& bs) const {
    if (item.collect_only || !bs.collection_known || !shared.collect_rest.load()) return false;
    return !bs.in_flight.empty() && bs.in_flight.find("::") != std::string::npos;
  }

  /// Feeds the worker's messages for `item` into `bs` (and the held batch's into its own)
  /// until the batch ends one way or another.
  BatchEnd run_batch(const WorkItem& item, BatchState& bs, std::string& lost_reason) {
    const double timeout = ex.m_opts.timeout_s;
    while (!bs.finished && !bs.held) {
      double wait = 1.0;  // a safety tick only: request_stop() wakes us through the eventfd
      const BatchState& running = held && !held->bs.in_flight.empty() ? held->bs : bs;
      if (timeout > 0 && !running.in_flight.empty()) {
        double left = running.in_flight_start + timeout - ex.m_clock.now_seconds();
        if (left <= 0) return BatchEnd::timed_out;
        wait = std::min(wait, left);
      }
      if (ex.stop_requested()) return BatchEnd::stopped;
      // Its collection is what the interrupted run still needs; its tests pytest would not run.
      if (abandon_for_collect_rest(item, bs)) return BatchEnd::abandoned;
      WorkerMessage msg;
      auto st = proc->read(msg, wait, lost_reason, ex.m_wake_fd);
      if (st == ReadStatus::timeout || st == ReadStatus::woken) continue;
      if (st == ReadStatus::error) lost_reason = "protocol error: " + lost_reason;
      if (st != ReadStatus::message) return BatchEnd::lost;
      if (held && msg.batch == held->item.id) {
        on_held_message(msg);
        continue;
      }
      // Only a batch with tests to run releases the held test, right after its
      // `collected`; any other frame first means it does not (nothing to run).
      if (deferring >= 0 && msg.type != MessageType::collected && msg.type != MessageType::warning) deliver_deferred(0);
      on_message(msg, item, bs);
      if (bs.fatal) return BatchEnd::fatal;
      if (abandon_for_collect_rest(item, bs)) return BatchEnd::abandoned;
    }
    return bs.held ? BatchEnd::held : BatchEnd::finished;
  }

  /// A loss (crash, timeout, protocol error) while a batch is held: if its test was
  /// running, that test is lost and the batch being collected is re-queued whole (none
  /// of it ran); else the loss is the batch's own and the held test runs elsewhere.
  void after_loss_or_held(const WorkItem& item, BatchState bs, BatchEnd end, const std::string& lost_reason) {
    if (!held) return after_loss(item, std::move(bs), end, lost_reason);
    Held h = std::move(*held);
    held.reset();
    if (h.released_at >= 0) {
      deferring = -1;
      deferred.clear();
      shared.requeue(item);
      current_origin = h.item.origin;
      after_loss(h.item, std::move(h.bs), end, lost_reason);
      return;
    }
    deliver_deferred(0);
    after_loss(item, std::move(bs), end, lost_reason);
    requeue_rest(h.item, h.bs, "worker lost before its held test ran");
  }

  /// The worker died or hung past --timeout: report the test it was running and re-queue the rest.
  void after_loss(const WorkItem& item, BatchState bs, BatchEnd end, const std::string& lost_reason) {
    const bool timed_out = end == BatchEnd::timed_out;
    std::string stacks = timed_out ? proc->dump_stacks(ex.m_opts.stack_dump_wait_s) : "";
    proc->kill_group(SIGKILL);
    std::string status = proc->reap(1.0);
    proc.reset();
    // After a protocol error we killed the worker ourselves: its status says nothing.
    const bool protocol = lost_reason.rfind("protocol error", 0) == 0;
    if (protocol) status = lost_reason;
    std::string why =
        timed_out  ? "Timeout: test exceeded " + seconds_text(ex.m_opts.timeout_s) + " s (--timeout); worker killed"
        : protocol ? "worker replaced after a " + lost_reason
                   : "worker crashed (" + status + ")";
    emit(Event{.kind = EventKind::worker_lost, .batch = item.id, .module = item.module, .text = why});
    if (!bs.in_flight.empty()) {
      std::string text = timed_out ? why + " while running '" + bs.in_flight + "'\n"
                                   : "worker " + std::to_string(index) + " crashed while running '" + bs.in_flight +
                                         "': " + status + "\n";
      if (!stacks.empty()) text += "\nStacks of all threads at the timeout (most recent call first):\n" + stacks;
      const int before = failed_attempts(item, bs, bs.in_flight);
      // --reruns: the crashed test runs again in a fresh worker after the rest of the batch,
      // at most `reruns` times in all (never a crash loop).
      const bool again = before < ex.m_opts.reruns;
      Event ev{
          .kind = again ? EventKind::test_rerun : EventKind::test_result,
          .batch = item.id,
          .module = item.module,
          .result = failed_result(item, bs.in_flight, timed_out ? base::Outcome::timed_out : base::Outcome::crashed,
                                  cap_text(std::move(text), k_max_captured_bytes))};
      ev.result.attempt = before + 1;
      emit(std::move(ev));
      if (again) {
        ++bs.reruns[bs.in_flight];
      } else {
        bs.done.insert(bs.in_flight);
      }
    } else if (bs.collected.empty() && !bs.collect_failed) {
      import_crash(item, timed_out ? why : status);
      return;
    }
    requeue_rest(item, bs, status);
  }

  /// Died before the module's items were known: a fresh worker tries again, a bounded
  /// number of times (the previous one may have died of something a test left behind).
  void import_crash(const WorkItem& item, const std::string& status) {
    WorkItem again = item;
    again.import_attempts = item.import_attempts + 1;
    if (again.import_attempts < ex.m_opts.max_import_attempts) {
      shared.requeue(std::move(again));
      return;
    }
    std::string text = "worker crashed while importing " + item.module + ": " + status + " (" +
                       std::to_string(again.import_attempts) + " workers tried; not retried again)";
    emit(Event{.kind = EventKind::collect_error,
               .batch = item.id,
               .module = item.module,
               .collect_error = {item.module, 0, text}});
  }

  void requeue_rest(const WorkItem& item, const BatchState& bs, const std::string& status) {
    WorkItem rest{.origin = item.origin,
                  .module = item.module,
                  .first = item.first,
                  .attempt = item.attempt + (bs.in_flight.empty() ? 1 : 0)};
    for (const auto& id : bs.collected)
      if (!bs.done.count(id) && id != bs.in_flight) rest.select.push_back(id);
    // A crashed test that runs again goes after the batch's other tests.
    if (!bs.in_flight.empty() && !bs.done.count(bs.in_flight)) rest.select.push_back(bs.in_flight);
    for (const auto& id : rest.select)
      if (int n = failed_attempts(item, bs, id); n > 0) rest.attempts.emplace_back(id, n);
    if (rest.select.empty()) return;
    if (rest.attempt >= ex.m_opts.max_attempts) {
      for (const auto& id : rest.select)
        emit(Event{.kind = EventKind::test_result,
                   .batch = item.id,
                   .module = item.module,
                   .result = failed_result(item, id, base::Outcome::crashed,
                                           "not run: workers kept dying on this module (" + status + ")\n")});
      return;
    }
    shared.requeue(std::move(rest));
  }

  bool finish_held();
  void serve();

  /// Session teardown, bounded: the grace for teardown, then a shorter one for the
  /// interpreter's exit (atexit handlers; non-daemon threads are not waited for).
  void shutdown() {
    if (!proc) return;
    const auto& o = ex.m_opts;
    if (held && shared.collect_rest.load()) {
      // A collection error interrupted the run: pytest would run no test, the held one
      // included, so it is not run (nor reported) and its worker goes.
      drop_worker();
      return;
    }
    // Cut short: pytest, stopping, starts no further test, so the held one is not run (nor
    // reported); the worker still tears down what is set up.
    const bool stop = ex.stop_requested() || shared.draining.load();
    if (stop) forget_held();
    const bool sent = proc->send(encode_shutdown(stop, stop && ex.m_interrupted.load(std::memory_order_relaxed))).ok();
    finished.reset();
    if (sent) {
      if (held && !finish_held()) return;
      double deadline = ex.m_clock.now_seconds() + o.shutdown_grace_s;
      std::string err;
      ReadStatus st = ReadStatus::message;
      while (st == ReadStatus::message) {
        WorkerMessage msg;  // read() decodes into a fresh message
        double left = deadline - ex.m_clock.now_seconds();
        st = left > 0 ? proc->read(msg, left, err) : ReadStatus::timeout;
        if (st == ReadStatus::message && msg.type == MessageType::summary_stats) {
          // The pytest engine's summary hooks read every worker's stats, as xdist's
          // controller has them: the worker waits for the others' (not on its grace).
          (void)proc->send(encode_summary_stats(shared.gathered_stats(index, std::move(msg.text), ex.m_interrupted)));
          deadline = ex.m_clock.now_seconds() + o.shutdown_grace_s;
          continue;
        }
        // What the session's end prints (--fixtures, --markers of an idle worker,
        // --setup-show's session teardown lines), its warnings (session fixtures' teardown),
        // the pytest engine's terminal summary and a raising pytest_sessionfinish /
        // pytest_unconfigure (`fatal`: pytest's exit 1).
        if (st == ReadStatus::message &&
            (msg.type == MessageType::info || msg.type == MessageType::warning ||
             msg.type == MessageType::terminal_summary || msg.type == MessageType::fatal)) {
          BatchState none;
          on_message(msg, WorkItem{}, none);
        }
      }
      if (st == ReadStatus::timeout) {
        emit(Event{.kind = EventKind::worker_lost,
                   .text = "worker still busy " + seconds_text(o.shutdown_grace_s) +
                           " s after shutdown (session teardown or a non-daemon thread); killed"});
        proc.reset();
        return;
      }
    }
    std::string status = proc->reap(o.exit_grace_s);
    if (proc->raw_status() != 0)
      emit(Event{.kind = EventKind::worker_lost, .text = "worker ended badly at shutdown (" + status + ")"});
    proc.reset();
  }
};

/// After `shutdown` the worker runs the held test (`nextitem` None, so session fixtures
/// end in its teardown) before session teardown; --timeout applies to it as to any test,
/// and a stop (-x elsewhere, an interrupt) kills it as it kills any test in flight.
/// False when the worker was lost or killed doing it (then reported and reaped).
bool Executor::Slot::finish_held() {
  const double timeout = ex.m_opts.timeout_s;
  while (held) {
    double wait = 1.0;
    BatchEnd end = BatchEnd::lost;
    std::string reason;
    if (timeout > 0 && !held->bs.in_flight.empty()) {
      double left = held->bs.in_flight_start + timeout - ex.m_clock.now_seconds();
      wait = std::max(0.0, std::min(wait, left));
      if (left <= 0) end = BatchEnd::timed_out;
    }
    WorkerMessage msg;
    auto st = end == BatchEnd::timed_out ? ReadStatus::timeout : proc->read(msg, wait, reason, ex.m_wake_fd);
    if (ex.stop_requested()) {
      drop_worker();
      return false;
    }
    if (st == ReadStatus::message) {
      if (msg.batch == held->item.id) on_held_message(msg);
      continue;
    }
    if (st == ReadStatus::woken || (st == ReadStatus::timeout && end != BatchEnd::timed_out)) continue;
    if (st == ReadStatus::error) reason = "protocol error: " + reason;
    Held h = std::move(*held);
    held.reset();
    current_origin = h.item.origin;
    if (!h.bs.in_flight.empty()) {
      after_loss(h.item, std::move(h.bs), end, reason);
      return false;
    }
    // Gone before its held test started, and nobody takes work after shutdown: say so.
    proc->kill_group(SIGKILL);
    std::string status = proc->reap(1.0);
    proc.reset();
    emit(Event{.kind = EventKind::worker_lost, .text = "worker exited at shutdown (" + status + ")"});
    for (const auto& id : h.bs.collected)
      if (!h.bs.done.count(id))
        emit(Event{.kind = EventKind::test_result,
                   .batch = h.item.id,
                   .module = h.item.module,
                   .result = failed_result(h.item, id, base::Outcome::crashed,
                                           "not run: its worker exited at shutdown (" + status + ")\n")});
    return false;
  }
  return true;
}

Executor::Executor(ExecOptions opts, const base::Clock& clock) : m_opts(std::move(opts)), m_clock(clock) {
  m_wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  // Output is not captured (-s): copy it whole lines at a time so workers never interleave.
  if (m_opts.config.capture != "fd" && m_opts.config.capture != "sys") m_opts.spawn.relay_output = true;
  // --timeout times each test from its `start`, which must then come at once.
  if (m_opts.timeout_s <= 0) m_opts.spawn.spill = true;
}

Executor::~Executor() {
  if (m_driver.joinable()) {
    // Started but never run: idle workers get a clean shutdown.
    m_shared->seal({});
    m_driver.join();
  }
  if (m_wake_fd >= 0) close(m_wake_fd);
}

void Executor::request_stop(bool interrupted) {
  if (interrupted) m_interrupted.store(true, std::memory_order_relaxed);
  m_stop.store(true, std::memory_order_relaxed);
  if (m_wake_fd >= 0) {
    std::uint64_t one = 1;
    ssize_t n = ::write(m_wake_fd, &one, sizeof one);
    (void)n;  // EAGAIN only if already signalled 2^64-2 times
  }
}

void Executor::collect_only_rest() {
  if (m_shared) m_shared->collect_rest.store(true);
}

void Executor::start() {
  if (m_shared) return;
  m_shared = std::make_unique<Shared>();
  Shared& shared = *m_shared;
  shared.started_at = m_clock.now_seconds();
  shared.t0.store(shared.started_at);
  int n = std::max(1, m_opts.workers);
  shared.activity.resize(static_cast<std::size_t>(n));
  shared.queues.emplace(n);
  shared.stats_parts.resize(static_cast<std::size_t>(n));
  shared.stats_settled.resize(static_cast<std::size_t>(n));
  shared.stats_unsettled = n;
  // Each slot blocks on its worker's pipe, so the pool needs one thread per worker.
  shared.threads = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                         static_cast<std::size_t>(n) + 1);
  m_driver = std::thread([this, n, &shared] {
    tbb::task_arena arena(n);
    arena.execute([&] {
      tbb::task_group group;
      for (int s = 0; s < n; ++s) group.run([&, s] { slot_loop(s, shared); });
      group.wait();
    });
    shared.events.push(std::nullopt);
  });
}

std::vector<Executor::Activity> Executor::running() const {
  std::vector<Activity> out;
  if (!m_shared) return out;
  std::lock_guard lock(m_shared->activity_mu);
  for (std::size_t i = 0; i < m_shared->activity.size(); ++i)
    if (!m_shared->activity[i].first.empty())
      out.push_back({static_cast<int>(i), m_shared->activity[i].first, m_shared->activity[i].second});
  return out;
}

double Executor::workers_ready_s() const { return m_shared ? m_shared->last_ready_s.load() : 0; }

void Executor::run(std::vector<WorkItem> items, const std::function<void(const Event&)>& on_event) {
  start();
  Shared& shared = *m_shared;
  shared.t0.store(m_clock.now_seconds());
  shared.seal(std::move(items));
  for (;;) {
    std::optional<Event> ev;
    shared.events.pop(ev);
    if (!ev) break;
    on_event(*ev);
  }
  m_driver.join();
}

/// Takes batches until none is left, the pool drains or the run stops.
void Executor::Slot::serve() {
  // A batch sent ahead is the worker's already: it runs (or, stopping, is killed) as any
  // busy batch, even once the pool drains.
  while ((!ex.stop_requested() && !shared.draining.load()) || !ahead.empty()) {
    std::optional<WorkItem> item;
    const bool sent = !ahead.empty();
    if (sent) {
      item = std::move(ahead.front());
      ahead.pop_front();
    } else {
      drop_if_dead();
      item = shared.take(index, ex.m_clock.now_seconds(), ex.m_stop);
      if (!item) break;
      if (!proc && !start_worker()) {
        // Nothing can run without a worker (a drained pool keeps its busy workers going).
        shared.requeue(std::move(*item));
        if (!shared.draining.load()) ex.request_stop();
        break;
      }
      if (shared.draining.load()) break;
      if (!took_first) shared.note_busy();
      took_first = true;
    }
    current_origin = item->origin;
    if (held) deferring = item->id;
    emit(Event{.kind = EventKind::batch_started, .batch = item->id, .module = item->module});
    // A failed send means the worker has gone; what it wrote before (a `fatal` answering
    // its config) is still in the pipe, so read on: run_batch tells a fatal from a crash.
    if (!sent) send_run(*item);
    send_ahead(*item);
    BatchState bs;
    std::string lost_reason;
    BatchEnd end = run_batch(*item, bs, lost_reason);
    set_activity("", 0);
    if (end == BatchEnd::finished) {
      finished.emplace(std::move(*item), std::move(bs));
      continue;
    }
    if (end == BatchEnd::held) {
      held = Held{*item, std::move(bs), ex.m_clock.now_seconds()};
      continue;
    }
    // The worker is gone or going: what it held behind this batch had not begun.
    give_back_ahead();
    if (end == BatchEnd::fatal) {
      forget_held();
      after_fatal();
      break;
    }
    if (end == BatchEnd::abandoned) {
      drop_worker();
      continue;
    }
    if (end == BatchEnd::stopped) {
      // Interrupted: the test in flight is not reported; its worker is not reused. What it
      // finished before is (its batched frames are still in the pipe and the spill).
      if (!held) keep_finished(*item, bs);
      drop_worker();
      break;
    }
    after_loss_or_held(*item, std::move(bs), end, lost_reason);
  }
}

void Executor::slot_loop(int slot_index, Shared& shared) {
  Slot slot{*this, shared, slot_index};
  // Pre-start: the worker boots while the caller is still discovering and planning.
  if (!stop_requested() && !slot.start_worker() && !shared.draining.load()) request_stop();
  for (;;) {
    slot.serve();
    slot.shutdown();
    // A held test that crashed its worker at shutdown was re-queued (--reruns): run it here.
    if (stop_requested() || shared.draining.load() || !shared.has_work(slot_index)) break;
  }
  shared.settle_stats(slot_index, std::nullopt);
}

}  // namespace fastest::exec
