#pragma once
// How far a run is, in predicted work, and when it will end: the plan's batch costs
// corrected by what the finished batches really took. Pure: times come in as arguments.

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace fastest::report {

class ProgressModel {
 public:
  /// Batch ids 0..n-1 in dispatch order with their predicted seconds, on `workers` workers.
  /// `timed`: the costs come from history, so a running batch's elapsed time says how far
  /// it is; without history only its finished tests do.
  void plan(std::vector<double> batch_costs, int workers, bool timed = true);
  /// `batch` started on `worker` at `now_s`; a re-queued remainder (new id) continues `origin`.
  void started(std::int64_t batch, std::int64_t origin, int worker, double now_s);
  /// The worker collected `items` tests for `batch`.
  void collected(std::int64_t batch, std::size_t items);
  void result(std::int64_t batch);
  void finished(std::int64_t batch, double now_s);

  /// Predicted work done over the plan's total, in [0, 1], never decreasing.
  double fraction(double now_s);
  /// Seconds until the last worker is predicted to finish: the running batches' predicted
  /// rest, then the queued batches list-scheduled on the workers, every cost scaled by
  /// actual/predicted of the batches finished so far.
  double eta_s(double now_s) const;
  /// actual / predicted seconds of the finished batches (1 before any finished).
  double correction() const;
  std::size_t batches_done() const { return m_done; }

 private:
  enum class State : std::uint8_t { queued, running, done };
  struct Entry {
    double cost = 0;
    State state = State::queued;
    int worker = -1;
    double start = 0;
    std::size_t items = 0, results = 0;
  };
  Entry* entry(std::int64_t batch);
  double running_fraction(const Entry& e, double now_s, double ratio) const;

  std::vector<Entry> m_batches;
  std::unordered_map<std::int64_t, std::int64_t> m_alias;  ///< remainder id -> planned batch
  int m_workers = 1;
  bool m_timed = true;
  double m_total = 0, m_actual_done = 0, m_cost_done = 0, m_last_fraction = 0;
  std::size_t m_done = 0;
};

}  // namespace fastest::report
