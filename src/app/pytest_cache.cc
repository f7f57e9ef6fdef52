#include "app/pytest_cache.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <list>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "app/context.h"

namespace fastest::app {
namespace fs = std::filesystem;
namespace {

// pytest's own supporting files of a new cache directory (Cache._ensure_supporting_files).
constexpr const char* k_readme =
    "# pytest cache directory #\n\n"
    "This directory contains data from the pytest's cache plugin,\n"
    "which provides the `--lf` and `--ff` options, as well as the `cache` fixture.\n\n"
    "**Do not** commit this to version control.\n\n"
    "See [the docs](https://docs.pytest.org/en/stable/how-to/cache.html) for more information.\n";
constexpr const char* k_gitignore = "# Created by pytest automatically.\n*\n";
constexpr const char* k_cachedir_tag =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pytest.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/spec.html\n";

/// A string json.dumps writes as it is between quotes: printable ASCII but '"' and '\\'.
bool plain_json(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; });
}

/// Appends Python's json.dumps of a string with ensure_ascii=False.
void append_json_string(std::string& out, std::string_view s) {
  if (plain_json(s)) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

/// The ids of a nodeids file exactly as pytest renders a sorted list of plain ids
/// (json.dumps(indent=2): "[]", or "[\n  \"a\",\n  \"b\"\n]"), as views into `text`, strictly
/// increasing; nullopt for any other text (escapes, another layout, unsorted, repeated ids).
std::optional<std::vector<std::string_view>> canonical_id_list(std::string_view text) {
  std::vector<std::string_view> ids;
  if (text == "[]") return ids;
  constexpr std::string_view open = "[\n  \"", sep = "\",\n  \"", close = "\"\n]";
  if (text.size() < open.size() + close.size() || text.substr(0, open.size()) != open ||
      text.substr(text.size() - close.size()) != close)
    return std::nullopt;
  std::string_view rest = text.substr(open.size(), text.size() - open.size() - close.size());
  for (;;) {
    const std::size_t end = rest.find('"');
    const std::string_view id = rest.substr(0, end);
    if (!plain_json(id) || (!ids.empty() && !(ids.back() < id))) return std::nullopt;
    ids.push_back(id);
    if (end == std::string_view::npos) return ids;
    if (rest.substr(end, sep.size()) != sep) return std::nullopt;
    rest.remove_prefix(end + sep.size());
  }
}

nlohmann::ordered_json parsed(const std::string& text) {
  if (text.empty()) return nlohmann::ordered_json(nlohmann::ordered_json::value_t::discarded);
  return nlohmann::ordered_json::parse(text, nullptr, false);
}

/// pytest's resolve_from_str: `~` and `$VAR`/`${VAR}` expanded, relative to the rootdir.
fs::path resolve_from_str(const std::string& value, const fs::path& rootdir) {
  std::string s = value;
  if (!s.empty() && s[0] == '~' && (s.size() == 1 || s[1] == '/'))
    if (const char* home = std::getenv("HOME")) s = std::string(home) + s.substr(1);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    const bool braced = s[i + 1] == '{';
    std::size_t start = i + (braced ? 2 : 1), end = start;
    while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_')) ++end;
    const char* v = end > start ? std::getenv(s.substr(start, end - start).c_str()) : nullptr;
    if (end == start || (braced && (end >= s.size() || s[end] != '}')) || !v) {
      out += s[i];  // os.path.expandvars leaves unknown or malformed references as they are
      continue;
    }
    out += v;
    i = braced ? end : end - 1;
  }
  fs::path p(out);
  return p.is_absolute() ? p : rootdir / p;
}

bool covers(const std::string& key, const std::string& id) {
  if (key.empty()) return true;
  if (id.compare(0, key.size(), key) != 0) return false;
  return id.size() == key.size() || id.compare(key.size(), 2, "::") == 0 || id[key.size()] == '/';
}

bool failed(const base::TestResult& r) { return base::is_failure(r.outcome) || !r.teardown_error.empty(); }

/// An insertion-ordered dict of key -> JSON text, as the Python dict pytest updates.
class OrderedDict {
 public:
  explicit OrderedDict(const std::vector<std::pair<std::string, std::string>>& v) {
    for (const auto& [k, text] : v) put(k, text);
  }
  void put(const std::string& k, const std::string& text) {
    if (auto it = m_at.find(k); it != m_at.end()) {
      it->second->second = text;
      return;
    }
    m_items.emplace_back(k, text);
    m_at.emplace(k, std::prev(m_items.end()));
  }
  void set(const std::string& k) { put(k, "true"); }
  void pop(const std::string& k) {
    if (auto it = m_at.find(k); it != m_at.end()) {
      m_items.erase(it->second);
      m_at.erase(it);
    }
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& e : m_items) out.push_back(e.first);
    return out;
  }
  std::vector<std::pair<std::string, std::string>> items() const { return {m_items.begin(), m_items.end()}; }

 private:
  std::list<std::pair<std::string, std::string>> m_items;
  std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> m_at;
};

bool write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  return static_cast<bool>(f);
}

}  // namespace

std::optional<fs::path> pytest_cache_dir(const RunContext& ctx) {
  for (const auto& p : ctx.opts.plugins)
    if (p == "no:cacheprovider") return std::nullopt;
  std::string value = ".pytest_cache";
  if (const char* tox = std::getenv("TOX_ENV_DIR"); tox && *tox) value = (fs::path(tox) / ".pytest_cache").string();
  if (auto it = ctx.ini.values.find("cache_dir"); it != ctx.ini.values.end() && !it->second.empty()) {
    value.clear();
    for (const auto& v : it->second) value += (value.empty() ? "" : "\n") + v;
  }
  return resolve_from_str(value, ctx.ini.rootdir);
}

void clear_pytest_cache(const RunContext& ctx) {
  if (!ctx.opts.cache_clear) return;
  auto dir = pytest_cache_dir(ctx);
  if (!dir) return;
  std::error_code ec;
  for (const char* sub : {"d", "v"})
    if (fs::is_directory(*dir / sub, ec)) fs::remove_all(*dir / sub, ec);
}

void PytestCacheState::load(const std::string& lastfailed, const std::string& nodeids, const std::string& stepwise) {
  m_lastfailed.clear();
  if (auto j = parsed(lastfailed); j.is_object())
    for (const auto& [k, v] : j.items())
      m_lastfailed.emplace_back(k, v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  m_nodeids_text = nodeids;
  m_nodeids_parsed.clear();
  m_nodeids.clear();
  // pytest's own file (or ours) is read without a JSON parser: 10,000 ids cost 52 M
  // instructions through nlohmann::json and a std::set, ~1 M as views.
  if (auto ids = canonical_id_list(m_nodeids_text)) {
    m_nodeids = std::move(*ids);
    m_nodeids_canonical = true;
  } else {
    m_nodeids_canonical = false;
    if (auto j = parsed(nodeids); j.is_array())
      for (const auto& v : j)
        if (v.is_string()) m_nodeids_parsed.push_back(v.get<std::string>());
    std::sort(m_nodeids_parsed.begin(), m_nodeids_parsed.end());
    m_nodeids_parsed.erase(std::unique(m_nodeids_parsed.begin(), m_nodeids_parsed.end()), m_nodeids_parsed.end());
    m_nodeids.assign(m_nodeids_parsed.begin(), m_nodeids_parsed.end());
  }
  m_stepwise.reset();
  if (auto j = parsed(stepwise); !j.is_discarded() && !j.is_null())
    m_stepwise = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PytestCacheState::set_stepwise(bool on, bool skip) {
  m_sw = on || skip;  // pytest: --sw-skip implies --sw
  m_sw_skip = skip;
}

void PytestCacheState::add_collected(const std::string& module, const std::vector<std::string>& ids) {
  auto& mine = m_collected[module];
  if (mine.empty() && std::find(m_collected_order.begin(), m_collected_order.end(), module) == m_collected_order.end())
    m_collected_order.push_back(module);
  // A module that skipped itself is listed as its own path: it has no item.
  if (ids.size() == 1 && ids[0] == module) return;
  if (mine.empty()) {
    // A module's first report (the usual one): an id it lists twice is harmless (finish()
    // keeps each id's first position, and sets and unions are idempotent), no hash set.
    mine = ids;
    return;
  }
  // Each id once, in a hash set of views: a linear search per id was quadratic in the
  // module's size (100,000 parametrized ids: ~15 s of the controller's CPU). The views
  // stay valid: `ids` is the caller's, and `mine` does not reallocate after the reserve.
  mine.reserve(mine.size() + ids.size());
  std::unordered_set<std::string_view> seen(mine.begin(), mine.end());
  for (const auto& id : ids)
    if (seen.insert(id).second) mine.push_back(id);
}

void PytestCacheState::add_collect_error(const std::string& module) { m_errors.push_back(module); }

void PytestCacheState::add_result(const base::TestResult& r) {
  m_results.push_back({r.node_id, failed(r), base::is_failure(r.outcome), !r.teardown_error.empty(),
                       r.outcome == base::Outcome::skipped && r.when != "call", r.when == "collect"});
}

PytestCacheState::Files PytestCacheState::finish(const std::vector<std::string>& module_order, bool write_nodeids,
                                                 bool void_results) {
  std::vector<std::string> order;
  std::unordered_map<std::string, std::size_t> rank_of;
  auto add = [&](const std::string& m) {
    if (rank_of.emplace(m, order.size()).second) order.push_back(m);
  };
  for (const auto& m : module_order) add(m);
  for (const auto& m : m_collected_order) add(m);
  for (const auto& m : m_errors) add(m);
  const std::unordered_set<std::string> errors(m_errors.begin(), m_errors.end());
  OrderedDict lf(m_lastfailed);

  // Collection, module by module (LFPlugin.pytest_collectreport): a failed collection is
  // its node id; a collector that failed before and collects now (the session "", a
  // directory, the module, a class) is replaced by its items, which the tests then decide.
  std::vector<std::string> cleared;
  std::unordered_map<std::string_view, std::pair<std::size_t, std::size_t>> position;  // views into m_collected
  for (const auto& m : order) {
    if (errors.count(m)) {
      lf.set(m);
      continue;
    }
    auto it = m_collected.find(m);
    if (it == m_collected.end()) continue;
    const auto& ids = it->second;
    for (std::size_t i = 0; i < ids.size(); ++i) position.emplace(ids[i], std::make_pair(rank_of[m], i));
    // A key inside the module is a collector (a class) only when items sit below it: a
    // deselected test's id is not one.
    auto collector = [&](const std::string& k) {
      if (position.count(k)) return false;
      if (covers(k, m)) return true;
      return k.compare(0, m.size() + 2, m + "::") == 0 &&
             std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return id.rfind(k + "::", 0) == 0; });
    };
    for (const auto& k : lf.keys())
      if (collector(k)) {
        lf.pop(k);
        cleared.push_back(k);
      }
    for (const auto& id : ids)
      if (std::any_of(cleared.begin(), cleared.end(), [&](const std::string& k) { return covers(k, id); })) lf.set(id);
  }

  // The tests, in pytest's serial order (LFPlugin.pytest_runtest_logreport per phase): a
  // passed call or a skip removes the id, a failed phase (a teardown error too) sets it.
  std::erase_if(m_results, [&](const Report& r) { return void_results && !r.collect; });
  auto rank = [&](const Report& r) {
    if (auto it = position.find(r.id); it != position.end()) return it->second;
    auto m = rank_of.find(r.id.substr(0, r.id.find("::")));
    return std::make_pair(m == rank_of.end() ? order.size() : m->second, std::size_t{0});
  };
  // Each report's rank once (two hash lookups per comparison cost ~5% of a 100,000-test
  // run's controller CPU), then a stable sort of the ranks.
  std::vector<std::pair<std::pair<std::size_t, std::size_t>, std::size_t>> ranked;
  ranked.reserve(m_results.size());
  for (std::size_t i = 0; i < m_results.size(); ++i) ranked.push_back({rank(m_results[i]), i});
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Report> sorted_results;
  sorted_results.reserve(m_results.size());
  for (const auto& r : ranked) sorted_results.push_back(std::move(m_results[r.second]));
  m_results = std::move(sorted_results);
  for (const auto& r : m_results) {
    if (r.outcome_failed) {
      lf.set(r.id);
      continue;
    }
    lf.pop(r.id);
    if (r.teardown_error) lf.set(r.id);
  }

  Files out;
  auto after = lf.items();
  auto sorted = [](auto v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  if (sorted(m_lastfailed) != sorted(after)) {
    std::string text = "{";
    for (std::size_t i = 0; i < after.size(); ++i)
      text += (i ? ",\n  " : "\n  ") + json_string(after[i].first) + ": " + after[i].second;
    out.lastfailed = text + (after.empty() ? "}" : "\n}");
  }
  if (write_nodeids) {
    // NFPlugin: the previous ids and this run's collected ones, sorted. The ids not listed
    // yet, sorted, then merged with the previous list; none, and a file already in pytest's
    // rendering, leaves the file as it is (the same bytes).
    std::vector<std::string_view> fresh;
    for (const auto& [m, ids] : m_collected)
      for (const auto& id : ids)
        if (!std::binary_search(m_nodeids.begin(), m_nodeids.end(), std::string_view(id))) fresh.push_back(id);
    std::sort(fresh.begin(), fresh.end());
    fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
    if (!fresh.empty() || !m_nodeids_canonical) {
      std::vector<std::string_view> all;
      all.reserve(m_nodeids.size() + fresh.size());
      std::merge(m_nodeids.begin(), m_nodeids.end(), fresh.begin(), fresh.end(), std::back_inserter(all));
      std::string text;
      std::size_t bytes = 2;
      for (const auto id : all) bytes += id.size() + 6;
      text.reserve(bytes);
      text += '[';
      for (std::size_t i = 0; i < all.size(); ++i) {
        text += i ? ",\n  " : "\n  ";
        append_json_string(text, all[i]);
      }
      text += all.empty() ? "]" : "\n]";
      out.nodeids = std::move(text);
    }
  }
  out.stepwise = stepwise_text();
  return out;
}

std::string PytestCacheState::stepwise_text() {
  // StepwisePlugin: the failure that stopped the run is where the next --sw starts; a
  // passed (or xfailed, or skipped in its call) test that was it clears it; --sw-skip
  // passes over one failure first. Without --sw pytest's own sessionfinish writes [].
  if (!m_sw) return "[]";
  bool skip = m_sw_skip;
  for (const auto& r : m_results) {
    const bool was = m_stepwise == json_string(r.id);
    if (r.failed) {
      if (!skip) {
        m_stepwise = json_string(r.id);
        break;
      }
      if (was) m_stepwise.reset();
      skip = false;
    } else if (!r.setup_skip && was) {
      m_stepwise.reset();
    }
  }
  return m_stepwise.value_or("null");
}

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

class PytestCacheWriter : public report::Reporter {
 public:
  PytestCacheWriter(fs::path dir, bool stepwise, bool stepwise_skip) : m_dir(std::move(dir)) {
    const fs::path v = m_dir / "v" / "cache";
    m_state.load(slurp(v / "lastfailed"), slurp(v / "nodeids"), slurp(v / "stepwise"));
    m_state.set_stepwise(stepwise, stepwise_skip);
  }
  void on_start(const report::RunHeader& h) override { m_order = h.module_order; }
  void on_collect_error(const base::CollectionError& e) override { m_state.add_collect_error(e.file); }
  void on_collected_items(const std::string& module, const std::vector<std::string>& ids) override {
    m_state.add_collected(module, ids);
  }
  void on_result(const base::TestResult& r) override { m_state.add_result(r); }
  void on_finish(const report::Summary& s) override {
    // pytest writes nothing when its session never started (a start-up error); tests that
    // ran before an interrupting collection error are not pytest's (it runs none).
    if (s.fatal) return;
    write(m_state.finish(m_order, true, s.void_results));
  }

 private:
  void write(const PytestCacheState::Files& files) {
    std::error_code ec;
    const fs::path v = m_dir / "v" / "cache";
    if (!fs::is_directory(v, ec)) {
      const bool existed = fs::exists(m_dir, ec);
      fs::create_directories(v, ec);
      if (ec) return;  // pytest warns "could not create cache path" and goes on
      if (!existed) {
        write_file(m_dir / "README.md", k_readme);
        write_file(m_dir / ".gitignore", k_gitignore);
        write_file(m_dir / "CACHEDIR.TAG", k_cachedir_tag);
      }
    }
    if (files.lastfailed) write_file(v / "lastfailed", *files.lastfailed);
    if (files.nodeids) write_file(v / "nodeids", *files.nodeids);
    write_file(v / "stepwise", files.stepwise);
  }

  fs::path m_dir;
  PytestCacheState m_state;
  std::vector<std::string> m_order;
};

}  // namespace

std::unique_ptr<report::Reporter> make_pytest_cache_writer(const RunContext& ctx) {
  auto dir = pytest_cache_dir(ctx);
  if (!dir) return nullptr;
  bool skip = false;
  if (auto j = nlohmann::json::parse(ctx.opts.options_json, nullptr, false); j.is_object())
    if (auto it = j.find("stepwise_skip"); it != j.end() && it->is_boolean()) skip = it->get<bool>();
  return std::make_unique<PytestCacheWriter>(*dir, ctx.opts.stepwise, skip);
}

}  // namespace fastest::app
