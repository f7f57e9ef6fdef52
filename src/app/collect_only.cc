// --collect-only (runtime): the workers collect every planned module and nothing runs; what
// they found is printed as pytest 7.2's terminal reporter prints a collect-only session.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/reporting.h"
#include "app/session.h"
#include "app/session_warnings.h"
#include "base/clock.h"
#include "exec/harness.h"
#include "report/collect_tree.h"
#include "report/terminal.h"

namespace fastest::app {

namespace {

/// pytest's _build_collect_only_summary_stats_line, without the duration.
std::string collected_words(std::size_t n, std::size_t deselected, std::size_t errors) {
  std::string words = std::to_string(n) + (n == 1 ? " test collected" : " tests collected");
  if (deselected > 0)
    words = n == 0 ? "no tests collected (" + std::to_string(deselected) + " deselected)"
                   : std::to_string(n) + "/" + std::to_string(n + deselected) + " tests collected (" +
                         std::to_string(deselected) + " deselected)";
  if (n == 0 && deselected == 0) words = "no tests collected";
  if (errors > 0) words += ", " + std::to_string(errors) + (errors == 1 ? " error" : " errors");
  return words;
}

/// What pytest lists for the collected items at verbosity `v` (_printcollecteditems).
std::string listing(int v, const std::vector<std::string>& ids, const std::vector<std::string>& chains) {
  if (v < -1) return report::collect_counts(ids);
  if (v < 0) {
    std::string out;
    for (const auto& id : ids) out += id + "\n";
    return out;
  }
  // The tree follows the collected line after an empty line.
  return ids.empty() ? "" : "\n" + report::collect_tree(chains);
}

/// A session error comes from every worker: pytest shows it once. Workers report in
/// arrival order; pytest in its collection order (`modules`).
void order_errors(std::vector<base::CollectionError>& errors, const std::vector<scheduler::ModuleInput>& modules) {
  std::vector<base::CollectionError> shown;
  for (auto& e : errors)
    if (!e.file.empty() || std::none_of(shown.begin(), shown.end(), [](const auto& s) { return s.file.empty(); }))
      shown.push_back(std::move(e));
  errors = std::move(shown);
  std::unordered_map<std::string, std::size_t> rank;
  for (std::size_t i = 0; i < modules.size(); ++i) rank.emplace(modules[i].module, i);
  auto rank_of = [&](const base::CollectionError& e) {
    auto it = rank.find(e.file);
    return it == rank.end() ? rank.size() : it->second;
  };
  std::stable_sort(errors.begin(), errors.end(), [&](const auto& a, const auto& b) { return rank_of(a) < rank_of(b); });
}

}  // namespace

ExitCode Session::collect_runtime(std::atomic<exec::Executor*>& slot) {
  base::SteadyClock clock;
  const double t0 = clock.now_seconds();
  auto main_py = exec::install_harness(m_ctx.cache_root);
  if (!main_py.ok()) {
    std::fprintf(stderr, "fastest: internal error: %s\n", main_py.error().message.c_str());
    return ExitCode::internal_error;
  }
  if (auto st = restrict_to_shard(); !st.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", st.error().message.c_str());
    return ExitCode::usage_error;
  }
  std::vector<exec::WorkItem> items;
  for (const auto& m : m_modules) {
    auto sel = m_selects.find(m.module);
    items.push_back({.id = static_cast<std::int64_t>(items.size()),
                     .module = m.module,
                     .select = sel == m_selects.end() ? std::vector<std::string>{} : sel->second,
                     .collect_only = true});
  }
  for (auto& b : repeat_batches(m_modules))
    items.push_back({.id = static_cast<std::int64_t>(items.size()),
                     .module = std::move(b.module),
                     .select = std::move(b.select),
                     .collect_only = true});
  int workers = std::max(1, std::min<int>(m_ctx.workers, static_cast<int>(items.size())));
  auto reporters = make_reporters(m_ctx, clock);
  report::RunHeader header;
  describe_root(m_ctx, header);
  header.workers = workers;
  header.modules = m_modules.size();
  if (!m_ctx.engine_line.empty()) header.extra_lines.push_back(m_ctx.engine_line);
  for (const auto& m : m_modules) header.module_order.push_back(m.module);
  for (auto& r : reporters.all) r->on_start(header);

  // planned batch (items' order) -> runtime ids, and their collectors for the tree
  std::map<std::int64_t, std::vector<std::string>> ids, chains;
  std::vector<base::CollectionError> errors = m_errors;
  std::string fatal, python;
  std::optional<int> worker_fatal;
  std::size_t deselected = 0;
  bool header_sent = false;
  report::Summary summary;
  SessionWarnings session_warnings;
  std::unique_ptr<exec::Executor> own;
  if (!m_pool) {
    own = std::make_unique<exec::Executor>(make_exec_options(m_ctx, workers, main_py.value()), clock);
    slot.store(own.get());
  }
  exec::Executor& executor = m_pool ? *m_pool : *own;
  executor.run(std::move(items), [&](const exec::Event& ev) {
    switch (ev.kind) {
      case exec::EventKind::worker_ready:
        if (python.empty()) python = ev.text;
        break;
      case exec::EventKind::configured:
        if (python.empty()) python = ev.text;
        if (!header_sent)
          for (auto& r : reporters.all) r->on_worker_header(python, ev.items);
        header_sent = true;
        break;
      case exec::EventKind::collected:
        ids[ev.origin] = ev.items;
        chains[ev.origin] = ev.tree;
        deselected += static_cast<std::size_t>(ev.deselected);
        break;
      case exec::EventKind::collect_error:
        errors.push_back(ev.collect_error);
        break;
      case exec::EventKind::warning:
        if (!session_warnings.keep(ev.warning_record, ev.worker)) break;
        ++summary.warnings;
        for (auto& r : reporters.all) r->on_warning(ev.warning_record);
        break;
      case exec::EventKind::fatal:
        fatal = ev.text;
        break;
      case exec::EventKind::info:
        std::fflush(stdout);
        std::fwrite(ev.text.data(), 1, ev.text.size(), stdout);
        std::fflush(stdout);
        break;
      case exec::EventKind::worker_fatal:
        if (!worker_fatal) {
          worker_fatal = ev.exit_code;
          std::string msg = ev.text + (ev.text.empty() || ev.text.back() == '\n' ? "" : "\n");
          std::fwrite(msg.data(), 1, msg.size(), stderr);
        }
        break;
      default:
        break;
    }
  });
  slot.store(nullptr);
  if (!fatal.empty()) {
    std::fprintf(stderr, "fastest: error: %s\n", fatal.c_str());
    return ExitCode::internal_error;
  }
  if (worker_fatal) return static_cast<ExitCode>(*worker_fatal);
  std::vector<std::string> all_ids, all_chains;
  for (auto& [batch, batch_ids] : ids) {
    auto& c = chains[batch];
    c.resize(batch_ids.size());  // a worker that sent no tree (-q) leaves them empty
    all_ids.insert(all_ids.end(), batch_ids.begin(), batch_ids.end());
    all_chains.insert(all_chains.end(), c.begin(), c.end());
  }
  order_errors(errors, m_modules);
  const bool interrupts = !errors.empty() && !m_ctx.opts.continue_on_collection_errors;
  for (const auto& e : errors)
    for (auto& r : reporters.all) r->on_collect_error(e);
  const std::size_t n = all_ids.size();
  report::CollectionCounts counts{.collected = n + deselected, .deselected = deselected, .errors = errors.size()};
  counts.interrupts = interrupts;
  for (auto& r : reporters.all) r->on_collection_done(counts);
  for (auto& r : reporters.all) r->on_info(listing(m_ctx.opts.verbose, all_ids, all_chains));
  summary.collected_words = collected_words(n, deselected, errors.size());
  summary.wall_s = clock.now_seconds() - t0;
  if (!errors.empty()) summary.counts["error"] = static_cast<int>(errors.size());
  if (interrupts) {
    summary.interrupted = true;
    summary.interrupt_reason = "Interrupted: " + std::to_string(errors.size()) +
                               (errors.size() == 1 ? " error" : " errors") + " during collection";
  }
  // pytest counts a collection error it continued after as a failure (exit 1).
  const ExitCode code = !errors.empty() ? (interrupts ? ExitCode::interrupted : ExitCode::tests_failed)
                        : n             ? ExitCode::ok
                                        : ExitCode::no_tests;
  summary.exit_code = static_cast<int>(code);
  for (auto& r : reporters.all) r->on_finish(summary);
  return code;
}

}  // namespace fastest::app
