// pytest's cache options on fastest's history store: --lf, --ff, --nf, --sw, --cache-clear.
//
// pytest keeps "last failed" and "seen node ids" in .pytest_cache; fastest answers the same
// questions from the results it records: a test whose last recorded outcome is a failure
// is a last failure, a test with no recorded result is new. --sw continues from the
// first last failure in collection order (what pytest's cache/stepwise holds after --sw
// runs). --cache-clear makes all of them start empty for this run; durations stay.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "app/reporting.h"
#include "app/run.h"
#include "app/session.h"
#include "base/node_id.h"
#include "scheduler/order.h"

namespace fastest::app {
namespace {

std::string plural(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

bool covers(const scheduler::Batch& b, const std::string& id) {
  if (id.compare(0, b.module.size() + 2, b.module + "::") != 0 && id != b.module) return false;
  return b.select.empty() || selected_by(id, b.select);
}

double mtime_of(const std::filesystem::path& p) {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(p, ec);
  if (ec) return 0;
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

std::size_t Session::runtime_count(const std::vector<scheduler::ModuleInput>& modules) const {
  // pytest counts runtime items: a static test counts its ids known from history.
  std::map<std::string, std::size_t> ids_of;
  for (const auto& [id, secs] : m_db.history().test_seconds) ++ids_of[std::string(base::split_params(id).first)];
  std::size_t n = 0;
  for (const auto& m : modules)
    for (const auto& t : m.tests) {
      auto it = ids_of.find(t.node_id);
      n += it == ids_of.end() ? std::size_t{1} : std::max<std::size_t>(it->second, 1);
    }
  return n;
}

std::vector<std::string> Session::last_failures() const {
  if (m_ctx.opts.cache_clear) return {};
  return m_db.last_failed();
}

void Session::apply_last_failed() {
  auto failed = last_failures();
  std::vector<scheduler::ModuleInput> kept;
  std::size_t rerun = 0;
  for (auto& m : m_modules) {
    std::vector<std::string> ids;
    for (const auto& f : failed)
      if (f.compare(0, m.module.size() + 2, m.module + "::") == 0) ids.push_back(f);
    if (ids.empty()) continue;
    std::erase_if(m.tests, [&](const scheduler::TestInput& t) {
      return std::none_of(ids.begin(), ids.end(), [&](const std::string& f) { return node_ids_overlap(t.node_id, f); });
    });
    rerun += ids.size();
    m_selects[m.module] = std::move(ids);
    kept.push_back(m);
  }
  std::string status;
  if (failed.empty() && option_string(m_ctx.opts, "last_failed_no_failures").value_or("all") == "none") {
    // --lfnf=none: pytest deselects every collected item (exit 5, "N deselected").
    m_collection_lines.push_back("run-last-failure: no previously failed tests, deselecting all items.");
    m_deselected = runtime_count(m_modules);
    m_modules.clear();
    return;
  }
  if (failed.empty()) {
    status = "no previously failed tests, not deselecting items.";
  } else if (kept.empty()) {
    status = plural(failed.size(), "known failure") + " not in selected tests";
  } else {
    status = "rerun previous " + plural(rerun, "failure");
    if (kept.size() < m_modules.size()) status += " (skipped " + plural(m_modules.size() - kept.size(), "file") + ")";
  }
  m_collection_lines.push_back("run-last-failure: " + status);
  if (!kept.empty()) m_modules = std::move(kept);
}

void Session::apply_stepwise() {
  auto failed = last_failures();
  if (failed.empty()) {
    m_collection_lines.push_back("stepwise: no previously failed tests, not skipping.");
    return;
  }
  // The first static test, in collection order, that one of the failures belongs to.
  std::size_t mi = 0, ti = 0;
  bool found = false;
  for (; mi < m_modules.size() && !found; ++mi) {
    const auto& tests = m_modules[mi].tests;
    for (ti = 0; ti < tests.size(); ++ti)
      if (std::any_of(failed.begin(), failed.end(),
                      [&](const std::string& f) { return node_ids_overlap(tests[ti].node_id, f); })) {
        found = true;
        break;
      }
  }
  if (!found) {
    m_collection_lines.push_back("stepwise: previously failed test not found, not skipping.");
    return;
  }
  --mi;
  std::vector<scheduler::ModuleInput> passed(m_modules.begin(), m_modules.begin() + static_cast<std::ptrdiff_t>(mi));
  passed.push_back({m_modules[mi].module, {}});
  passed.back().tests.assign(m_modules[mi].tests.begin(),
                             m_modules[mi].tests.begin() + static_cast<std::ptrdiff_t>(ti));
  const std::size_t skipped = runtime_count(passed);
  auto& m = m_modules[mi];
  std::vector<std::string> before;
  for (std::size_t i = 0; i < ti; ++i) before.push_back(m.tests[i].node_id);
  m.tests.erase(m.tests.begin(), m.tests.begin() + static_cast<std::ptrdiff_t>(ti));
  if (ti > 0) {
    auto sel = m_selects.find(m.module);
    std::vector<std::string> rest;
    if (sel == m_selects.end()) {
      for (const auto& t : m.tests) rest.push_back(t.node_id);
    } else {
      for (const auto& s : sel->second)
        if (std::none_of(before.begin(), before.end(), [&](const std::string& b) { return node_ids_overlap(b, s); }))
          rest.push_back(s);
    }
    m_selects[m.module] = std::move(rest);
  }
  m_modules.erase(m_modules.begin(), m_modules.begin() + static_cast<std::ptrdiff_t>(mi));
  m_deselected = skipped;
  m_collection_lines.push_back("stepwise: skipping " + std::to_string(skipped) + " already passed items.");
}

void Session::order_by_cache(scheduler::Plan& plan, const scheduler::History& history, int workers) {
  const auto& o = m_ctx.opts;
  if (o.new_first) {
    // pytest's NFPlugin: new tests first, each group newest file first.
    std::set<std::string> known;
    if (!o.cache_clear)
      for (const auto& [id, s] : history.test_seconds) known.insert(std::string(base::split_params(id).first));
    std::map<std::string, const scheduler::ModuleInput*> by_module;
    for (const auto& m : m_modules) by_module[m.module] = &m;
    for (auto& b : plan.batches) {
      std::vector<std::string> ids = b.select;
      if (ids.empty() && by_module.count(b.module))
        for (const auto& t : by_module[b.module]->tests) ids.push_back(t.node_id);
      for (const auto& id : ids)
        if (!known.count(std::string(base::split_params(id).first))) b.first.push_back(id);
    }
    auto key = [&](const scheduler::Batch& b) {
      return (b.first.empty() ? 1e12 : 0) - mtime_of(m_ctx.ini.rootdir / b.module);
    };
    scheduler::reorder_batches(plan, key, workers);
  }
  if (o.failed_first) {
    auto failed = last_failures();
    std::size_t rerun = 0;
    for (auto& b : plan.batches) {
      std::vector<std::string> mine;
      for (const auto& f : failed)
        if (covers(b, f)) mine.push_back(f);
      rerun += mine.size();
      // The worker runs `first` before the rest, keeping collection order (pytest's --ff
      // moves the failed items to the front, in order). With --nf as well, failures win.
      if (!mine.empty()) b.first = std::move(mine);
    }
    auto has_failure = [&](const scheduler::Batch& b) {
      return std::any_of(failed.begin(), failed.end(), [&](const std::string& f) { return covers(b, f); });
    };
    scheduler::reorder_batches(
        plan, [&](const scheduler::Batch& b) { return has_failure(b) ? 0.0 : 1.0; }, workers);
    std::string status = failed.empty() ? "no previously failed tests, not deselecting items."
                         : rerun == 0   ? plural(failed.size(), "known failure") + " not in selected tests"
                                        : "rerun previous " + plural(rerun, "failure") + " first";
    m_collection_lines.push_back("run-last-failure: " + status);
  }
}

}  // namespace fastest::app
