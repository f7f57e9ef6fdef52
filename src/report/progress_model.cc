#include "report/progress_model.h"

#include <algorithm>
#include <queue>

namespace fastest::report {

void ProgressModel::plan(std::vector<double> batch_costs, int workers, bool timed) {
  m_timed = timed;
  m_batches.clear();
  m_total = 0;
  for (double c : batch_costs) {
    // A zero estimate would weigh nothing and never move the bar.
    double cost = std::max(c, 1e-3);
    m_batches.push_back({.cost = cost});
    m_total += cost;
  }
  m_workers = std::max(1, workers);
}

ProgressModel::Entry* ProgressModel::entry(std::int64_t batch) {
  if (auto it = m_alias.find(batch); it != m_alias.end()) batch = it->second;
  if (batch < 0 || static_cast<std::size_t>(batch) >= m_batches.size()) return nullptr;
  return &m_batches[static_cast<std::size_t>(batch)];
}

void ProgressModel::started(std::int64_t batch, std::int64_t origin, int worker, double now_s) {
  if (origin >= 0 && origin != batch) m_alias[batch] = origin;
  Entry* e = entry(batch);
  if (!e || e->state == State::done) return;
  if (e->state == State::queued) e->start = now_s;
  e->state = State::running;
  e->worker = worker;
}

void ProgressModel::collected(std::int64_t batch, std::size_t items) {
  if (Entry* e = entry(batch); e && e->items == 0) e->items = items;
}

void ProgressModel::result(std::int64_t batch) {
  if (Entry* e = entry(batch)) ++e->results;
}

void ProgressModel::finished(std::int64_t batch, double now_s) {
  Entry* e = entry(batch);
  if (!e || e->state == State::done) return;
  // A remainder's batch_done ends the planned batch; its first part's end is not seen.
  if (e->state == State::queued) e->start = now_s;
  e->state = State::done;
  m_actual_done += now_s - e->start;
  m_cost_done += e->cost;
  ++m_done;
}

double ProgressModel::correction() const {
  // Tiny batches say little about the rest: wait for a tenth of a second of evidence.
  if (m_cost_done < 0.1 && m_actual_done < 0.1) return 1.0;
  return std::clamp(m_actual_done / std::max(m_cost_done, 1e-3), 0.1, 10.0);
}

double ProgressModel::running_fraction(const Entry& e, double now_s, double ratio) const {
  double by_tests = e.items ? static_cast<double>(e.results) / static_cast<double>(e.items) : 0.0;
  double by_time = m_timed ? std::min(0.95, (now_s - e.start) / (e.cost * ratio)) : 0.0;
  return std::min(0.99, std::max(by_tests, by_time));
}

double ProgressModel::fraction(double now_s) {
  if (m_total <= 0) return m_last_fraction;
  double ratio = correction();
  double done = 0;
  for (const auto& e : m_batches) {
    if (e.state == State::done)
      done += e.cost;
    else if (e.state == State::running)
      done += e.cost * running_fraction(e, now_s, ratio);
  }
  m_last_fraction = std::max(m_last_fraction, std::min(1.0, done / m_total));
  return m_last_fraction;
}

double ProgressModel::eta_s(double now_s) const {
  double ratio = correction();
  std::vector<double> busy(static_cast<std::size_t>(m_workers), 0.0);
  std::size_t next_idle = 0;
  for (const auto& e : m_batches) {
    if (e.state != State::running) continue;
    double rest = std::max(0.0, e.cost * ratio - (now_s - e.start));
    // An overrunning batch is not done yet: guess the rest from its tests left.
    if (rest == 0 && e.items > e.results)
      rest = (now_s - e.start) * static_cast<double>(e.items - e.results) / static_cast<double>(e.items);
    std::size_t slot = e.worker >= 0 && e.worker < m_workers ? static_cast<std::size_t>(e.worker) : next_idle++;
    if (slot < busy.size()) busy[slot] = std::max(busy[slot], rest);
  }
  std::priority_queue<double, std::vector<double>, std::greater<>> free(busy.begin(), busy.end());
  for (const auto& e : m_batches) {
    if (e.state != State::queued) continue;
    double t = free.top();
    free.pop();
    free.push(t + e.cost * ratio);
  }
  double end = 0;
  while (!free.empty()) {
    end = std::max(end, free.top());
    free.pop();
  }
  return end;
}

}  // namespace fastest::report
