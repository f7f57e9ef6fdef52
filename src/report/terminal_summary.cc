// The terminal reporter's closing part, in pytest's order (terminal.py pytest_sessionfinish
// and pytest_terminal_summary): ERRORS, FAILURES, warnings summary, PASSES, the JUnit
// line, durations, short test summary info, '!' rules, the stats line.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "report/terminal.h"
#include "report/text.h"

namespace fastest::report {
namespace {

bool is_absolute(const std::string& p) { return !p.empty() && p[0] == '/'; }

/// Line `lineno` of `path` (1-based), as linecache gives it to warnings.formatwarning.
std::string source_line(const std::string& path, int lineno) {
  std::ifstream in(path);
  std::string line;
  for (int i = 0; i < lineno && std::getline(in, line); ++i) {
  }
  if (!in) return "";
  auto b = line.find_first_not_of(" \t\r\f\v");
  auto e = line.find_last_not_of(" \t\r\f\v\n");
  return b == std::string::npos ? "" : line.substr(b, e - b + 1);
}

/// pytest's bestrelpath(invocation dir, abspath(filename)) for a warning's location:
/// "../lib/helpers.py" for a file outside the invocation directory; a relative filename
/// is already relative to it (the workers run there).
std::string warning_location(const std::string& invocation_dir, const std::string& filename) {
  if (invocation_dir.empty() || !is_absolute(filename)) return filename;
  auto rel = std::filesystem::path(filename).lexically_normal().lexically_relative(invocation_dir);
  return rel.empty() ? filename : rel.generic_string();
}

}  // namespace

std::string TerminalReporter::sections(const base::TestResult& r, const std::string& when) const {
  const std::string& show = m_opts.show_capture;
  if (show == "no") return "";
  std::string out;
  auto add = [&](const std::string& title, const std::string& content) {
    std::string text = sanitize(content);
    if (text.empty()) return;
    if (text.back() == '\n') text.pop_back();
    out += rule(title, '-') + text + "\n";
  };
  if (!r.sections.empty()) {
    // The worker's own titles carry the phase: "Captured stdout setup", "Captured log call".
    for (const auto& [title, content] : r.sections)
      if (show == "all" || title.find(show) != std::string::npos) add(sanitize(title), content);
    return out;
  }
  auto flat = [&](const char* kind, const std::string& content) {
    if (show != "all" && show != kind) return;
    add(std::string("Captured ") + kind + " " + when, content);
  };
  flat("stdout", r.captured_stdout);
  flat("stderr", r.captured_stderr);
  flat("log", r.captured_log);
  return out;
}

std::string TerminalReporter::crash_line(const base::TestResult& r) const {
  // pytest's --tb=line prints str(reprcrash): "<absolute path>:<line>: <message>". A worker
  // that formatted the failure as that one line is taken at its word.
  std::string text = r.longrepr;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.find('\n') == std::string::npos) return sanitize(text);
  // Else the innermost frame is the last "path:line: " location line of the traceback.
  std::string where;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    auto colon = line.find(':');
    if (colon != std::string::npos && line[0] != ' ' && line[0] != 'E') {
      std::size_t d = colon + 1;
      while (d < line.size() && line[d] >= '0' && line[d] <= '9') ++d;
      if (d > colon + 1 && (d == line.size() || line[d] == ':')) where = line.substr(0, d);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::string msg = r.message.empty() ? first_line(text) : r.message;
  if (where.empty()) return sanitize(msg);
  if (!is_absolute(where) && !m_opts.rootdir.empty()) where = m_opts.rootdir + "/" + where;
  return sanitize(where + ": " + msg);
}

std::string TerminalReporter::summary_line(const std::string& word, const std::string& node_id, const std::string& msg,
                                           Color color) const {
  if (color == Color::none) color = color_for(word == "PASSED" ? "passed" : "failed");
  std::string line = m_paint.paint(word, {color, false}) + " " + node_markup(node_id);
  if (msg.empty()) return line;
  if (m_opts.on_ci) return line + " - " + sanitize(msg);
  // pytest measures the line with wcswidth, which is -1 once it holds escape codes.
  int used = m_paint.enabled() ? -1 : static_cast<int>(text_width(line));
  return line + format_trimmed(" - ", "", sanitize(msg), m_opts.width - used);
}

std::string TerminalReporter::final_line(const Summary& s) const {
  std::string words = summary_words(s);
  if (!m_paint.enabled()) return m_opts.verbose < 0 ? words + "\n" : rule(words, '=');
  std::string colored = stats_line(s);
  Color main = stats_color(s);
  if (m_opts.verbose < 0) return m_paint.paint(colored, {main, false}) + "\n";
  // pytest's write_sep with a fullwidth grown by the escape codes: the rule's geometry is
  // the plain text's; the line ends with the main colour's code left open, then a reset.
  std::string plain = rule(words, '=');
  plain.pop_back();
  auto at = plain.find(words);
  std::string line = plain.substr(0, at) + colored + m_paint.codes({main, false}) + plain.substr(at + words.size());
  return m_paint.paint(line, {main, false}) + "\n";
}

Color TerminalReporter::stats_color(const Summary& s) const {
  // pytest's _determine_main_color; a category it does not know (flaky, rerun, ...) is yellow.
  static const char* k_known[] = {"failed",  "passed",  "skipped",  "deselected",
                                  "xfailed", "xpassed", "warnings", "error"};
  // _build_collect_only_summary_stats_line: red with errors, yellow when nothing was collected.
  if (!s.collected_words.empty())
    return s.counts.count("error")                       ? Color::red
           : s.collected_words.rfind("no tests", 0) == 0 ? Color::yellow
                                                         : Color::green;
  bool unknown = false, passed = false, xpassed = false;
  for (const auto& [key, text] : summary_parts(s)) {
    if (key == "failed" || key == "error") return Color::red;
    passed = passed || key == "passed";
    xpassed = xpassed || key == "xpassed";
    unknown = unknown || std::find(std::begin(k_known), std::end(k_known), key) == std::end(k_known);
  }
  if (s.warnings || unknown || xpassed) return Color::yellow;
  return passed ? Color::green : Color::yellow;
}

std::string TerminalReporter::stats_line(const Summary& s) const {
  // pytest's build_summary_stats_line + summary_stats: each part in its colour (bold when
  // it is the main colour), the duration in the main colour.
  const Color main = stats_color(s);
  std::string out;
  for (const auto& [key, text] : summary_parts(s)) {
    Color c = key == "collected" ? main : color_for(key);
    out += (out.empty() ? "" : ", ") + m_paint.paint(text, {c, c == main});
  }
  if (out.empty()) out = m_paint.paint("no tests ran", {Color::yellow, false});
  return out + m_paint.paint(" in " + format_duration(s.wall_s), {main, false});
}

void TerminalReporter::print_errors() {
  if (m_opts.tbstyle == "no" || m_errors.empty()) return;
  std::string out = rule("ERRORS", '=');
  for (const auto& e : m_errors) {
    out += rule(sanitize(e.title), '_', {Color::red, true}) + e.body;
    // A controller-made error (a worker that crashed importing the module) has no newline.
    if (!e.body.empty() && e.body.back() != '\n') out += '\n';
  }
  write(out);
}

void TerminalReporter::print_failures() {
  if (m_opts.tbstyle == "no" || m_failed.empty()) return;
  std::string out = rule("FAILURES", '=');
  for (const auto& r : m_failed) {
    if (m_opts.tbstyle == "line") {
      out += crash_line(r) + "\n";
      continue;
    }
    std::string body = sanitize(r.longrepr);
    if (!body.empty() && body.back() != '\n') body += '\n';
    std::string title = r.head_line.empty() ? head_line(r.node_id) : r.head_line;
    out += rule(sanitize(title), '_', {Color::red, true}) + body + sections(r, "call");
  }
  write(out);
}

void TerminalReporter::print_warnings() {
  if (m_chars.find('w') == std::string::npos || m_warnings.empty()) return;
  // Grouped by message, in order of first appearance, as pytest's summary_warnings.
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  std::map<std::string, std::size_t> index;
  for (const auto& w : m_warnings) {
    std::string msg;
    if (w.filename.empty()) {
      msg = w.category + ": " + w.message;
    } else {
      msg = w.filename + ":" + std::to_string(w.lineno) + ": " + w.category + ": " + w.message + "\n";
      std::string path = w.filename;
      if (!is_absolute(path))
        path = (m_opts.invocation_dir.empty() ? m_opts.rootdir : m_opts.invocation_dir) + "/" + path;
      std::string src = source_line(path, w.lineno);
      if (!src.empty()) msg += "  " + src + "\n";
    }
    std::string where = w.node_id;
    if (where.empty() && !w.filename.empty())
      where = warning_location(m_opts.invocation_dir, w.filename) + ":" + std::to_string(w.lineno);
    auto [it, fresh] = index.emplace(msg, groups.size());
    if (fresh) groups.push_back({msg, {}});
    if (!where.empty()) groups[it->second].second.push_back(where);
  }
  std::string out = rule("warnings summary", '=', {Color::yellow, false});
  for (auto& [msg, where] : groups) {
    std::string text = sanitize(msg);
    if (!where.empty()) {
      if (where.size() < 10) {
        for (const auto& l : where) out += sanitize(l) + "\n";
      } else {
        std::vector<std::pair<std::string, int>> per_file;
        for (const auto& l : where) {
          std::string f = l.substr(0, l.find("::"));
          auto hit = std::find_if(per_file.begin(), per_file.end(), [&](const auto& p) { return p.first == f; });
          if (hit == per_file.end())
            per_file.push_back({f, 1});
          else
            ++hit->second;
        }
        for (const auto& [f, n] : per_file)
          out += sanitize(f) + ": " + std::to_string(n) + " warning" + (n > 1 ? "s" : "") + "\n";
      }
      std::string indented;
      std::size_t start = 0;
      while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        indented += (start ? "\n  " : "  ") + text.substr(start, end - start);
        start = end + 1;
      }
      text = indented;
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    out += text + "\n\n";
  }
  out += "-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html\n";
  write(out);
}

void TerminalReporter::print_passes() {
  if (m_opts.tbstyle == "no" || m_chars.find('P') == std::string::npos || m_passed.empty()) return;
  std::string out = rule("PASSES", '=');
  for (const auto& r : m_passed)
    if (!r.captured_stdout.empty() || !r.captured_stderr.empty() || !r.captured_log.empty())
      out += rule(sanitize(r.head_line.empty() ? head_line(r.node_id) : r.head_line), '_', {Color::green, true}) +
             sections(r, "call");
  write(out);
}

void TerminalReporter::print_durations() {
  if (m_opts.durations < 0 || m_phases.empty()) return;
  std::stable_sort(m_phases.begin(), m_phases.end(),
                   [](const Phase& a, const Phase& b) { return a.seconds > b.seconds; });
  std::size_t n = m_opts.durations == 0 ? m_phases.size() : std::min<std::size_t>(m_phases.size(), m_opts.durations);
  std::string out = rule(
      m_opts.durations == 0 ? "slowest durations" : "slowest " + std::to_string(m_opts.durations) + " durations", '=');
  for (std::size_t i = 0; i < n; ++i) {
    if (m_opts.verbose < 2 && m_phases[i].seconds < m_opts.durations_min) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "\n(%zu durations < %gs hidden.  Use -vv to show these durations.)\n", n - i,
                    m_opts.durations_min);
      out += buf;
      break;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fs %-8s ", m_phases[i].seconds, m_phases[i].when);
    out += buf + sanitize(m_phases[i].node_id) + "\n";
  }
  write(out);
}

void TerminalReporter::print_short_summary() {
  std::string lines;
  auto yellow = [&](const std::string& word) { return m_paint.paint(word, {Color::yellow, false}); };
  // Each report's word is its own (pytest's _get_verbose_word: a plugin's SUBFAIL among
  // the FAILED lines), in the colour of the list it is in.
  for (char c : m_chars) {
    switch (c) {
      case 'f':
        for (const auto& r : m_failed)
          lines += summary_line(word_of(r, "FAILED"), r.node_id, r.message, Color::red) + "\n";
        break;
      case 'E':
        for (const auto& e : m_errors) lines += summary_line(e.word, e.node_id, e.message, Color::red) + "\n";
        break;
      case 'p':
        for (const auto& r : m_passed) lines += summary_line(word_of(r, "PASSED"), r.node_id, "", Color::green) + "\n";
        break;
      case 'x':
        for (const auto& r : m_xfailed)
          lines += yellow(word_of(r, "XFAIL")) + " " + node_markup(r.node_id) +
                   (r.message.empty() ? "" : " - " + sanitize(r.message)) + "\n";
        break;
      case 'X':
        for (const auto& r : m_xpassed)
          lines += yellow(word_of(r, "XPASS")) + " " + node_markup(r.node_id) + " " + sanitize(r.message) + "\n";
        break;
      case 's': {
        // pytest folds skips with the same location and reason: "SKIPPED [2] x.py:3: why".
        std::vector<std::pair<SkipLocation, int>> folded;
        for (const auto& r : m_skipped) {
          SkipLocation w = skip_location(r);
          auto hit = std::find_if(folded.begin(), folded.end(), [&](const auto& f) {
            return f.first.path == w.path && f.first.line == w.line && f.first.reason == w.reason;
          });
          if (hit == folded.end())
            folded.push_back({w, 1});
          else
            ++hit->second;
        }
        // pytest names every folded line with the first skip's word.
        const std::string word = m_skipped.empty() ? std::string("SKIPPED") : word_of(m_skipped.front(), "SKIPPED");
        for (const auto& [w, n] : folded)
          lines += yellow(word) + " [" + std::to_string(n) + "] " + best_relpath(w.path) +
                   (w.line >= 0 ? ":" + std::to_string(w.line) : "") + ": " + sanitize(w.reason) + "\n";
        break;
      }
      default:
        break;
    }
  }
  if (!lines.empty()) write(rule("short test summary info", '=', {Color::cyan, true}) + lines);
}

void TerminalReporter::forget_tests() {
  const auto at_collection = [](const base::TestResult& r) { return r.when != "collect"; };
  for (auto* v : {&m_failed, &m_passed, &m_skipped, &m_xfailed, &m_xpassed})
    v->erase(std::remove_if(v->begin(), v->end(), at_collection), v->end());
  m_errors.erase(std::remove_if(m_errors.begin(), m_errors.end(),
                                [](const ErrorEntry& e) { return e.title.rfind("ERROR collecting ", 0) != 0; }),
                 m_errors.end());
  m_passes_not_kept = 0;
  m_phases.clear();
  m_module_letters.clear();
  m_held.clear();
}

void TerminalReporter::sort_by_collection_order() {
  auto rank = [&](const std::string& node_id) {
    auto it = m_module_rank.find(node_id.substr(0, node_id.find("::")));
    return it == m_module_rank.end() ? m_module_rank.size() : it->second;
  };
  // Each result's rank once (not a substring and a hash per comparison: 10,000 passes
  // made this a visible share of the controller's CPU), then a stable sort of the ranks.
  std::vector<std::pair<std::size_t, std::size_t>> keys;  // (rank, position)
  for (auto* v : {&m_failed, &m_passed, &m_skipped, &m_xfailed, &m_xpassed}) {
    keys.clear();
    for (std::size_t i = 0; i < v->size(); ++i) keys.emplace_back(rank((*v)[i].node_id), i);
    if (std::is_sorted(keys.begin(), keys.end())) continue;
    std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<base::TestResult> sorted;
    sorted.reserve(v->size());
    for (const auto& k : keys) sorted.push_back(std::move((*v)[k.second]));
    *v = std::move(sorted);
  }
  auto key = [&](const ErrorEntry& e) {
    return std::make_pair(e.title.rfind("ERROR collecting ", 0) == 0 ? 0 : 1, rank(e.node_id));
  };
  std::stable_sort(m_errors.begin(), m_errors.end(),
                   [&](const ErrorEntry& a, const ErrorEntry& b) { return key(a) < key(b); });
}

void TerminalReporter::on_finish(const Summary& s) {
  // The live area goes before the summary: the scroll-back then reads like pytest's.
  if (m_live) {
    m_live->close();
    m_live.reset();
    // Without module lines nothing ended the collected line's block: pytest's blank line.
    m_progress_written = true;
  }
  // A session error before anything was shown: pytest prints only the error (stderr).
  if (s.fatal && !m_header_printed) return;
  if (s.void_results) forget_tests();
  ensure_header();
  m_finishing = true;
  if (!m_deferred_collected && !m_collected_printed) {
    // Batches cut short never reported their collection: count what ran.
    CollectionCounts c;
    c.collected = std::max(m_expected, m_done);
    auto d = s.counts.find("deselected");
    if (d != s.counts.end()) c.deselected = static_cast<std::size_t>(d->second), c.collected += c.deselected;
    on_collection_done(c);
  }
  // Batches cut short (stop, crash) still show what they reported.
  while (!m_module_letters.empty()) flush_module(m_module_letters.begin()->first);
  if (std::string rest = quiet_rest(); !rest.empty()) write_progress(rest);
  if (m_deferred_collected) {
    write("\n");
    on_collection_done(*m_deferred_collected);
    m_need_blank = m_after_live_teardown = false;
  }
  if (s.session_finish_raised) return;
  // pytest's terminal reporter writes an INTERNALERROR where it happens, after the
  // progress so far.
  if (!s.internal_error.empty()) write(sanitize(s.internal_error));
  // pytest ends the last progress line with an empty one (-q: only ends it).
  if (m_opts.verbose >= 0 || !m_progress_written) write(m_after_live_teardown ? "\n\n" : "\n");
  // pytest's summary_exit_codes: no sections after an internal error (exit 3).
  const bool summary_codes =
      s.exit_code == 0 || s.exit_code == 1 || s.exit_code == 2 || s.exit_code == 4 || s.exit_code == 5;
  if (!m_opts.no_summary && summary_codes) {
    sort_by_collection_order();
    print_errors();
    print_failures();
    print_warnings();
    print_passes();
    if (!m_opts.junit_path.empty()) write(rule("generated xml file: " + m_opts.junit_path, '-'));
    // Plugins' pytest_terminal_summary sections: after junitxml's (registered at configure,
    // so called first) and before the durations (pytest's runner, registered first).
    for (const auto& text : m_terminal_summaries.empty() ? m_idle_summaries : m_terminal_summaries) write(text);
    print_durations();
    print_short_summary();
    if (!s.quarantined.empty()) {
      write(rule("quarantined (flaky in history: failures do not fail the run)", '='));
      for (const auto& id : s.quarantined) write("QUARANTINED " + sanitize(id) + "\n");
    }
  }
  if (s.interrupted) {
    // pytest's shouldfail / shouldstop rules are red, an interruption's is not.
    bool red = s.interrupt_reason.rfind("stopping after", 0) == 0 ||
               s.interrupt_reason.rfind("Interrupted: Test failed", 0) == 0;
    write(rule(s.interrupt_reason, '!', {red ? Color::red : Color::none, false}));
  }
  if (m_opts.verbose < -1) return;
  write(final_line(s));
}

}  // namespace fastest::report
