#include "exec/executor.h"

#include <signal.h>
#include <tbb/concurrent_queue.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

namespace fastest::exec {

struct Executor::Shared {
  std::mutex mu;
  std::deque<WorkItem> queue;  ///< front = next; re-queued remainders go to the front
  std::int64_t next_id = 0;
  tbb::concurrent_bounded_queue<std::optional<Event>> events;  ///< nullopt = pool finished
  double t0 = 0;

  std::optional<WorkItem> take() {
    std::lock_guard lock(mu);
    if (queue.empty()) return std::nullopt;
    WorkItem w = std::move(queue.front());
    queue.pop_front();
    return w;
  }
  void requeue(WorkItem w) {
    std::lock_guard lock(mu);
    w.id = next_id++;
    queue.push_front(std::move(w));
  }
};

namespace {

/// State of one batch on one worker, to know what is left if the worker dies.
struct BatchState {
  std::vector<std::string> collected;
  std::unordered_set<std::string> done;
  std::string in_flight;
  double in_flight_start = 0;
  bool finished = false;
  bool collect_failed = false;
};

base::TestResult failed_result(const WorkItem& item, const std::string& nodeid, base::Outcome outcome,
                               const std::string& text) {
  base::TestResult r;
  r.node_id = nodeid;
  r.file = item.module;
  r.outcome = outcome;
  r.message = text;
  r.longrepr = text;
  return r;
}

}  // namespace

Executor::Executor(ExecOptions opts, const base::Clock& clock) : m_opts(std::move(opts)), m_clock(clock) {}

void Executor::run(std::vector<WorkItem> items, const std::function<void(const Event&)>& on_event) {
  Shared shared;
  shared.t0 = m_clock.now_seconds();
  for (auto& it : items) {
    it.id = shared.next_id++;
    shared.queue.push_back(std::move(it));
  }
  int n = std::max(1, m_opts.workers);
  // Each slot blocks on its worker's pipe, so the pool needs one thread per worker.
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n) + 1);
  std::thread driver([&] {
    tbb::task_arena arena(n);
    arena.execute([&] {
      tbb::task_group group;
      for (int s = 0; s < n; ++s) group.run([&, s] { slot_loop(s, shared); });
      group.wait();
    });
    shared.events.push(std::nullopt);
  });
  for (;;) {
    std::optional<Event> ev;
    shared.events.pop(ev);
    if (!ev) break;
    on_event(*ev);
  }
  driver.join();
}

void Executor::slot_loop(int slot, Shared& shared) {
  std::unique_ptr<WorkerProcess> proc;
  auto emit = [&](Event ev) {
    ev.worker = slot;
    ev.time_s = m_clock.now_seconds() - shared.t0;
    shared.events.push(std::move(ev));
  };
  auto start_worker = [&]() -> bool {
    auto spawned = WorkerProcess::spawn(m_opts.spawn);
    if (!spawned.ok()) {
      emit(Event{.kind = EventKind::fatal, .text = spawned.error().message});
      return false;
    }
    proc = std::move(spawned).value();
    WorkerMessage hello;
    std::string err;
    auto st = proc->read(hello, 120, err);
    if (st != ReadStatus::message || hello.type != MessageType::ready) {
      std::string why = st == ReadStatus::timeout ? "no answer in 120 s" : err;
      proc->kill_group(SIGKILL);
      emit(Event{.kind = EventKind::fatal,
                 .text = "worker did not start (" + why + "; " + proc->reap(1) + ")"});
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
    if (!proc->send(encode_config(m_opts.config)).ok()) {
      proc.reset();
      return false;
    }
    emit(Event{.kind = EventKind::worker_ready, .text = hello.python});
    return true;
  };

  while (!stop_requested()) {
    auto item = shared.take();
    if (!item) break;
    if (!proc && !start_worker()) {
      // Nothing can run without a worker; leave the queue to the other slots only if they work.
      shared.requeue(std::move(*item));
      request_stop();
      break;
    }
    emit(Event{.kind = EventKind::batch_started, .batch = item->id, .module = item->module});
    if (!proc->send(encode_run(item->id, item->module, item->select)).ok()) {
      proc->reap(0.5);
      proc.reset();
      shared.requeue(std::move(*item));
      continue;
    }
    BatchState bs;
    std::string lost_reason;
    bool timed_out = false;
    while (!bs.finished) {
      double wait = 0.1;  // short ticks so request_stop() is noticed
      if (m_opts.timeout_s > 0 && !bs.in_flight.empty()) {
        double left = bs.in_flight_start + m_opts.timeout_s - m_clock.now_seconds();
        if (left <= 0) {
          timed_out = true;
          break;
        }
        wait = std::min(wait, left);
      }
      if (stop_requested()) break;
      WorkerMessage msg;
      std::string err;
      auto st = proc->read(msg, wait, err);
      if (st == ReadStatus::timeout) continue;
      if (st != ReadStatus::message) {
        lost_reason = err;
        break;
      }
      switch (msg.type) {
        case MessageType::collected:
          bs.collected = msg.items;
          emit(Event{.kind = EventKind::collected, .batch = item->id, .module = item->module,
                     .import_s = msg.import_s, .items = std::move(msg.items)});
          break;
        case MessageType::start:
          bs.in_flight = msg.nodeid;
          bs.in_flight_start = m_clock.now_seconds();
          break;
        case MessageType::result:
          if (bs.done.insert(msg.nodeid).second) {
            msg.result.file = item->module;
            msg.result.worker = slot;
            msg.result.start_offset_s =
                (bs.in_flight == msg.nodeid ? bs.in_flight_start : m_clock.now_seconds()) - shared.t0;
            emit(Event{.kind = EventKind::test_result, .batch = item->id, .module = item->module,
                       .result = std::move(msg.result)});
          }
          if (bs.in_flight == msg.nodeid) bs.in_flight.clear();
          break;
        case MessageType::collect_error:
          bs.collect_failed = true;
          emit(Event{.kind = EventKind::collect_error, .batch = item->id, .module = item->module,
                     .collect_error = {item->module, msg.line, msg.longrepr}});
          break;
        case MessageType::warning:
          emit(Event{.kind = EventKind::warning, .batch = item->id, .module = item->module,
                     .text = msg.category + ": " + msg.message});
          break;
        case MessageType::batch_done:
          bs.finished = true;
          emit(Event{.kind = EventKind::batch_finished, .batch = item->id, .module = item->module,
                     .import_s = msg.import_s, .text = msg.teardown_error});
          break;
        default:
          break;
      }
    }
    if (bs.finished) continue;

    // The worker died, hung past --timeout, or we are stopping: replace it.
    proc->kill_group(timed_out ? SIGKILL : SIGKILL);
    std::string status = proc->reap(1.0);
    proc.reset();
    if (stop_requested() && !timed_out && lost_reason.empty()) break;
    std::string why = timed_out ? "Timeout: test exceeded " + std::to_string(m_opts.timeout_s) + " s; worker killed"
                                : "worker crashed (" + status + ")";
    emit(Event{.kind = EventKind::worker_lost, .batch = item->id, .module = item->module, .text = why});
    if (!bs.in_flight.empty()) {
      auto outcome = timed_out ? base::Outcome::timed_out : base::Outcome::crashed;
      std::string text = (timed_out ? why : "worker '" + std::to_string(slot) + "' crashed while running '" +
                                                bs.in_flight + "': " + status) + "\n";
      bs.done.insert(bs.in_flight);
      emit(Event{.kind = EventKind::test_result, .batch = item->id, .module = item->module,
                 .result = failed_result(*item, bs.in_flight, outcome, text)});
    } else if (bs.collected.empty() && !bs.collect_failed) {
      // Died while importing the module: that module's collection error, not a retry loop.
      emit(Event{.kind = EventKind::collect_error, .batch = item->id, .module = item->module,
                 .collect_error = {item->module, 0, "worker crashed while importing " + item->module + ": " + status}});
      continue;
    }
    WorkItem rest{.module = item->module, .attempt = item->attempt + (bs.in_flight.empty() ? 1 : 0)};
    for (const auto& id : bs.collected)
      if (!bs.done.count(id)) rest.select.push_back(id);
    if (rest.select.empty()) continue;
    if (rest.attempt >= m_opts.max_attempts) {
      for (const auto& id : rest.select)
        emit(Event{.kind = EventKind::test_result, .batch = item->id, .module = item->module,
                   .result = failed_result(*item, id, base::Outcome::crashed,
                                           "not run: workers kept dying on this module (" + status + ")\n")});
      continue;
    }
    shared.requeue(std::move(rest));
  }
  if (proc) {
    if (proc->send(encode_shutdown()).ok()) {
      WorkerMessage msg;
      std::string err;
      // Drain until the worker closes its end (session teardown), bounded by the grace.
      while (proc->read(msg, m_opts.shutdown_grace_s, err) == ReadStatus::message) {
      }
    }
    proc->reap(0.5);
  }
}

}  // namespace fastest::exec
