#include "base/work_queues.h"

#include <algorithm>

namespace fastest::base {
namespace {

// A move must lower the later predicted finish by at least this much: below it the
// prediction's own noise decides, and the plan's split stands.
constexpr double k_min_gain_s = 0.002;
// How many of the busiest queue's last items a move considers (a take stays cheap with
// 10,000 batches queued).
constexpr std::size_t k_scan = 64;

}  // namespace

WorkQueues::WorkQueues(int workers)
    : m_own(static_cast<std::size_t>(std::max(workers, 1))),
      m_own_left(m_own.size(), 0.0),
      m_committed(m_own.size(), 0.0),
      m_last(m_own.size()) {}

void WorkQueues::add(std::size_t item, int worker, double cost_s, bool pinned) {
  if (worker < 0 || static_cast<std::size_t>(worker) >= m_own.size()) {
    m_anyone.push_back({item, cost_s});
    return;
  }
  const auto w = static_cast<std::size_t>(worker);
  m_own[w].push_back({item, cost_s, pinned});
  m_own_left[w] += cost_s;
}

void WorkQueues::give_back(int worker, std::size_t item, double cost_s, bool pinned) {
  const auto w = static_cast<std::size_t>(worker);
  m_own[w].push_front({item, cost_s, pinned});
  m_own_left[w] += cost_s;
  m_committed[w] -= cost_s;
}

bool WorkQueues::empty() const {
  return m_anyone.empty() && std::all_of(m_own.begin(), m_own.end(), [](const auto& q) { return q.empty(); });
}

bool WorkQueues::has_for(int worker) const {
  const auto w = static_cast<std::size_t>(worker);
  if (!m_own[w].empty() || !m_anyone.empty()) return true;
  for (std::size_t i = 0; i < m_own.size(); ++i)
    if (last_movable(i) != m_own[i].size()) return true;
  return false;
}

double WorkQueues::finish(std::size_t w, double now_s) const { return std::max(m_committed[w], now_s) + m_own_left[w]; }

WorkQueues::Entry WorkQueues::pop(std::deque<Entry>& q, std::size_t at, std::size_t w) {
  Entry e = q[at];
  q.erase(q.begin() + static_cast<std::ptrdiff_t>(at));
  // Exactly zero once empty: sums of doubles drift.
  m_own_left[w] = q.empty() ? 0.0 : std::max(0.0, m_own_left[w] - e.cost_s);
  return e;
}

std::size_t WorkQueues::last_movable(std::size_t w) const {
  const auto& q = m_own[w];
  for (std::size_t k = q.size(); k-- > 0;)
    if (!q[k].pinned) return k;
  return q.size();
}

void WorkQueues::took(std::size_t w, const Entry& e, double now_s) {
  m_committed[w] = std::max(m_committed[w], now_s) + e.cost_s;
  m_last[w] = std::max(m_last[w].value_or(e.item), e.item);
}

void WorkQueues::rebalance(std::size_t w, double now_s) {
  const double mine = finish(w, now_s);
  std::size_t v = m_own.size();
  for (std::size_t i = 0; i < m_own.size(); ++i)
    if (i != w && !m_own[i].empty() && (v == m_own.size() || finish(i, now_s) > finish(v, now_s))) v = i;
  if (v == m_own.size()) return;
  const double theirs = finish(v, now_s);
  if (theirs - mine <= k_min_gain_s) return;
  const auto& q = m_own[v];
  std::size_t best = q.size();
  double best_finish = theirs - k_min_gain_s;
  for (std::size_t k = 0; k < std::min(q.size(), k_scan); ++k) {
    const std::size_t at = q.size() - 1 - k;
    if (m_last[w] && q[at].item <= *m_last[w]) break;  // earlier than what `w` ran: out of its order
    const double c = q[at].cost_s;
    const double later = std::max(mine + c, theirs - c);
    if (c > 0 && !q[at].pinned && later < best_finish) {
      best = at;
      best_finish = later;
    }
  }
  if (best == q.size()) return;
  Entry e = pop(m_own[v], best, v);
  auto& dest = m_own[w];
  auto pos =
      std::upper_bound(dest.begin(), dest.end(), e.item, [](std::size_t x, const Entry& y) { return x < y.item; });
  dest.insert(pos, e);
  m_own_left[w] += e.cost_s;
}

std::optional<std::size_t> WorkQueues::take(int worker, double now_s) {
  const auto w = static_cast<std::size_t>(worker);
  rebalance(w, now_s);
  Entry e;
  if (!m_own[w].empty()) {
    e = pop(m_own[w], 0, w);
  } else if (!m_anyone.empty()) {
    e = m_anyone.front();
    m_anyone.pop_front();
  } else {
    std::size_t v = m_own.size();
    for (std::size_t i = 0; i < m_own.size(); ++i)
      if (last_movable(i) != m_own[i].size() && (v == m_own.size() || finish(i, now_s) > finish(v, now_s))) v = i;
    if (v == m_own.size()) return std::nullopt;
    e = pop(m_own[v], last_movable(v), v);
  }
  took(w, e, now_s);
  return e.item;
}

std::optional<std::size_t> WorkQueues::take_ahead(int worker) {
  const auto w = static_cast<std::size_t>(worker);
  Entry e;
  if (m_own[w].size() >= 2) {
    e = pop(m_own[w], 0, w);
  } else if (m_own[w].empty() && m_anyone.size() > m_own.size()) {
    e = m_anyone.front();
    m_anyone.pop_front();
  } else {
    return std::nullopt;
  }
  took(w, e, m_committed[w]);
  return e.item;
}

}  // namespace fastest::base
