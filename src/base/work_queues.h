#pragma once
// The rule by which a free worker takes its next batch, shared by exec (which dispatches)
// and the scheduler (which simulates the dispatch to predict the makespan), so the
// prediction models exactly what runs.

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

namespace fastest::base {

/// Items 0..n-1 in plan (collection) order, each planned for a worker or for anyone.
/// A worker takes its own items in order. Before each take it may move one item from the
/// worker predicted to finish last into its own queue: an item after the last one it took
/// (so both workers still run theirs in plan order), the one that best evens the two
/// predicted finishes, if that lowers the later one. With nothing of its own left it takes
/// unplanned items in order, then the last item of the worker predicted to finish last
/// (out of order, but better than idling). Predicted finish = the end of what the worker
/// took (its start plus predicted cost, each) plus its queue's predicted cost.
class WorkQueues {
 public:
  explicit WorkQueues(int workers);

  /// Appends `item` (plan order: items must come in increasing order) to `worker`'s queue;
  /// a worker outside [0, workers) means unplanned. A `pinned` item is never moved or
  /// stolen: only `worker` runs it (pytest-xdist's xdist_group).
  void add(std::size_t item, int worker, double cost_s, bool pinned = false);
  /// `item` (taken by `worker`, never begun) goes back to the front of its queue.
  void give_back(int worker, std::size_t item, double cost_s, bool pinned = false);

  bool empty() const;
  /// Whether take(worker, ...) would give an item (others' pinned ones it never gets).
  bool has_for(int worker) const;
  /// The item `worker`, free at `now_s`, runs next; nullopt when nothing is left.
  std::optional<std::size_t> take(int worker, double now_s);
  /// An item for `worker` to queue behind the one it runs: from its own queue only while
  /// another item stays in it (or, unplanned, while more than `workers` wait), so none
  /// is held by a busy worker while another could have taken it.
  std::optional<std::size_t> take_ahead(int worker);

 private:
  struct Entry {
    std::size_t item;
    double cost_s;
    bool pinned = false;
  };
  double finish(std::size_t w, double now_s) const;
  void rebalance(std::size_t w, double now_s);
  Entry pop(std::deque<Entry>& q, std::size_t at, std::size_t w);
  /// The last entry of `w`'s queue another worker may take, or q.size().
  std::size_t last_movable(std::size_t w) const;
  void took(std::size_t w, const Entry& e, double now_s);

  std::vector<std::deque<Entry>> m_own;
  std::vector<double> m_own_left;                  ///< predicted seconds queued per worker
  std::vector<double> m_committed;                 ///< predicted end of what each worker took
  std::vector<std::optional<std::size_t>> m_last;  ///< the last planned item each took
  std::deque<Entry> m_anyone;
};

}  // namespace fastest::base
