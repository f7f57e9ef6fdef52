#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/node_id.h"
#include "report/reporter.h"

namespace fastest::report {

std::string format_duration(double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2fs", seconds);
  std::string out = buf;
  if (seconds >= 60) {
    auto total = static_cast<long>(seconds);
    std::snprintf(buf, sizeof buf, " (%ld:%02ld:%02ld)", total / 3600, (total / 60) % 60, total % 60);
    out += buf;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> summary_parts(const Summary& s) {
  if (!s.collected_words.empty()) return {{"collected", s.collected_words}};
  // pytest's order: failed passed skipped deselected xfailed xpassed warnings error.
  // fastest's "flaky" (failed, then passed on a rerun) follows "passed"; pytest-rerunfailures'
  // "rerun" (failed attempts that were run again) comes last, as pytest puts plugin words.
  static const char* k_order[] = {"failed",     "passed",  "flaky",   "skipped",
                                  "deselected", "xfailed", "xpassed", "quarantined"};
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const char* key, int n, const std::string& word) {
    if (n > 0) out.emplace_back(key, std::to_string(n) + " " + word);
  };
  for (const char* w : k_order) {
    auto it = s.counts.find(w);
    if (it != s.counts.end()) add(w, it->second, w);
  }
  add("warnings", s.warnings, s.warnings == 1 ? "warning" : "warnings");
  if (auto it = s.counts.find("error"); it != s.counts.end())
    add("error", it->second, it->second == 1 ? "error" : "errors");
  // A plugin's own categories after pytest's, first counted first (pytest's _set_main_color).
  auto own = [&](const std::string& key) {
    return key != "error" && std::find(std::begin(k_order), std::end(k_order), key) == std::end(k_order);
  };
  for (const auto& key : s.category_order)
    if (own(key))
      if (auto it = s.counts.find(key); it != s.counts.end()) add(key.c_str(), it->second, key);
  for (const auto& [key, n] : s.counts)
    if (own(key) && std::find(s.category_order.begin(), s.category_order.end(), key) == s.category_order.end())
      add(key.c_str(), n, key);
  return out;
}

std::string summary_words(const Summary& s) {
  std::string out;
  for (const auto& [key, text] : summary_parts(s)) out += (out.empty() ? "" : ", ") + text;
  if (out.empty()) out = "no tests ran";
  return out + " in " + format_duration(s.wall_s);
}

std::string collected_line(const CollectionCounts& c) {
  // pytest's report_collect(final=True): selected = collected - deselected.
  std::string line = "collected " + std::to_string(c.collected) + (c.collected == 1 ? " item" : " items");
  if (c.errors) line += " / " + std::to_string(c.errors) + (c.errors == 1 ? " error" : " errors");
  if (c.deselected) line += " / " + std::to_string(c.deselected) + " deselected";
  if (c.skipped) line += " / " + std::to_string(c.skipped) + " skipped";
  std::size_t selected = c.collected - std::min(c.collected, c.deselected);
  if (c.collected > selected) line += " / " + std::to_string(selected) + " selected";
  return line;
}

SkipLocation skip_location(const base::TestResult& r) {
  SkipLocation w{r.file, -1, r.message};
  const std::string& s = r.longrepr;
  for (std::size_t colon = s.find(':'); colon != std::string::npos; colon = s.find(':', colon + 1)) {
    std::size_t end = colon + 1;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    if (end == colon + 1 || end - colon > 10 || s.compare(end, 2, ": ") != 0) continue;
    w.path = s.substr(0, colon);
    w.line = std::stoi(s.substr(colon + 1, end - colon - 1));
    auto rest = s.substr(end + 2);
    w.reason = rest.substr(0, rest.find('\n'));
    break;
  }
  if (w.reason.rfind("Skipped: ", 0) == 0) w.reason.erase(0, 9);
  return w;
}

std::string head_line(const std::string& node_id) {
  // pytest shows "Class.test[param]" (its getmodpath(): the part after the module path).
  return base::display_name(node_id);
}

}  // namespace fastest::report
