// The terminal reporter's live part: header, collected line, progress lines.
// terminal_summary.cc prints the sections at the end.
#include "report/terminal.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "report/text.h"

namespace fastest::report {
namespace {

char letter(base::Outcome o) {
  switch (o) {
    case base::Outcome::passed:
    case base::Outcome::flaky:  // its failed attempts were shown as 'R'
      return '.';
    case base::Outcome::failed:
    case base::Outcome::crashed:
    case base::Outcome::timed_out:
      return 'F';
    case base::Outcome::error:
      return 'E';
    case base::Outcome::skipped:
      return 's';
    case base::Outcome::xfailed:
      return 'x';
    case base::Outcome::xpassed:
      return 'X';
  }
  return '?';
}

const char* verbose_word(base::Outcome o) {
  switch (o) {
    case base::Outcome::passed:
      return "PASSED";
    case base::Outcome::flaky:
      return "FLAKY";
    case base::Outcome::failed:
      return "FAILED";
    case base::Outcome::crashed:
      return "CRASHED";
    case base::Outcome::timed_out:
      return "TIMEOUT";
    case base::Outcome::error:
      return "ERROR";
    case base::Outcome::skipped:
      return "SKIPPED";
    case base::Outcome::xfailed:
      return "XFAIL";
    case base::Outcome::xpassed:
      return "XPASS";
  }
  return "?";
}

/// pytest's markup for a report's letter or word: passed green, failed red, the rest yellow.
Markup outcome_markup(base::Outcome o) {
  switch (o) {
    case base::Outcome::passed:
      return {Color::green, false};
    case base::Outcome::failed:
    case base::Outcome::crashed:
    case base::Outcome::timed_out:
    case base::Outcome::error:
      return {Color::red, false};
    default:
      return {Color::yellow, false};
  }
}

Color named_color(const std::string& name, Color fallback) {
  if (name == "red") return Color::red;
  if (name == "green") return Color::green;
  if (name == "yellow") return Color::yellow;
  if (name == "cyan") return Color::cyan;
  return fallback;
}

/// A report's letter and word markup: the hook's colour, else pytest's by outcome.
Markup report_markup(base::Outcome o, const base::ReportStatus* st) {
  Markup m = outcome_markup(o);
  if (st && !st->color.empty()) m.color = named_color(st->color, m.color);
  return m;
}

/// The outcome whose stats list a category fills (pytest's stats[category]); nullopt for
/// "" (not kept) and for a plugin's own category (counted only).
std::optional<base::Outcome> kept_as(const std::string& category) {
  if (category.empty()) return std::nullopt;
  auto o = base::parse_outcome(category);
  if (o && (*o == base::Outcome::crashed || *o == base::Outcome::timed_out || *o == base::Outcome::flaky))
    return std::nullopt;
  return o;
}

/// A sub-report as a result of its own: what the summary's lists keep of it.
base::TestResult sub_result(const base::TestResult& r, const base::SubReport& sub) {
  return {.node_id = r.node_id,
          .file = r.file,
          .outcome = sub.outcome,
          .call_s = sub.duration_s,
          .longrepr = sub.longrepr,
          .message = sub.message,
          .when = sub.when,
          .line = r.line,
          .head_line = sub.head_line,
          .sections = sub.sections,
          .status = std::make_shared<const base::ReportStatus>(sub.status),
          .worker = r.worker,
          .batch = r.batch};
}

}  // namespace

/// In a module's letters: a column pytest's terminal writer counted but wrote elsewhere.
constexpr char k_hidden_column = '\x01';

std::string word_of(const base::TestResult& r, const char* fallback) {
  return r.status ? r.status->word : std::string(fallback);
}

std::string effective_report_chars(const std::string& chars, bool disable_warnings) {
  std::string opts;
  for (char c : chars) {
    if (c == 'F' || c == 'S') c = static_cast<char>(c - 'A' + 'a');
    if (c == 'a')
      opts = "sxXEf";
    else if (c == 'A')
      opts = "PpsxXEf";
    else if (c == 'N')
      opts.clear();
    else if (opts.find(c) == std::string::npos)
      opts += c;
  }
  if (!disable_warnings && opts.find('w') == std::string::npos)
    opts = "w" + opts;
  else if (disable_warnings)
    std::erase(opts, 'w');
  return opts;
}

TerminalReporter::TerminalReporter(TerminalOptions opts)
    : m_opts(std::move(opts)),
      m_chars(effective_report_chars(m_opts.report_chars, m_opts.disable_warnings)),
      m_paint(m_opts.color) {
  if (m_opts.live && m_opts.clock)
    m_live = std::make_unique<LiveDisplay>(*m_opts.live, *m_opts.clock, m_opts.live_opts);
  if (m_opts.clock) m_last_output = m_opts.clock->now_seconds();
}

void TerminalReporter::write(const std::string& s) {
  if (m_live) {
    m_live->print_above(s);
    return;
  }
  std::lock_guard lock(m_write_mu);
  std::fwrite(s.data(), 1, s.size(), m_opts.out);
  std::fflush(m_opts.out);
  if (m_opts.clock) m_last_output = m_opts.clock->now_seconds();
}

std::string TerminalReporter::rule(const std::string& title, char fill, Markup m) const {
  if (title.empty()) return m_paint.paint(std::string(static_cast<std::size_t>(m_opts.width), fill), m) + "\n";
  return m_paint.paint(sep_line(title, fill, m_opts.width), m) + "\n";
}

Color TerminalReporter::main_color(bool final) const {
  // pytest's _determine_main_color: green while tests are still to come, even before a pass.
  if (!m_failed.empty() || !m_errors.empty()) return Color::red;
  if (m_any_warning_or_xpass || !m_warnings.empty() || m_unknown_category) return Color::yellow;
  if (!m_passed.empty() || m_passes_not_kept > 0 || !final) return Color::green;
  return Color::yellow;
}

std::string TerminalReporter::cwd_relative(const std::string& node_id) const {
  const auto& root = m_opts.rootdir;
  const auto& cwd = m_opts.invocation_dir;
  if (!root.empty() && !cwd.empty() && root != cwd) {
    auto rel = (std::filesystem::path(root) / node_id).lexically_relative(cwd);
    if (!rel.empty()) return sanitize(rel.generic_string());
  }
  return sanitize(node_id);
}

std::string TerminalReporter::best_relpath(const std::string& path) const {
  // pytest's _folded_skips: bestrelpath from the invocation directory, "../" and all, even
  // for a file outside the rootdir (the worker sends those absolute, the rest rootdir-relative).
  const auto& cwd = m_opts.invocation_dir;
  if (cwd.empty() || (m_opts.rootdir.empty() && path.rfind('/', 0) != 0)) return sanitize(path);
  auto rel = (std::filesystem::path(m_opts.rootdir) / path).lexically_relative(cwd);
  if (rel.empty()) return sanitize(path);
  return sanitize(rel.generic_string());
}

std::string TerminalReporter::node_markup(const std::string& node_id) const {
  // pytest's _get_pos: the id as config.cwd_relative_nodeid gives it, relative to the
  // invocation directory when that is not the rootdir ("../../lib/pkg/test_x.py::test").
  std::string id = cwd_relative(node_id);
  auto sep = id.find("::");
  if (sep == std::string::npos || !m_paint.enabled()) return id;
  return id.substr(0, sep + 2) + m_paint.paint(id.substr(sep + 2), {Color::none, true});
}

std::string TerminalReporter::progress_at(std::size_t done) {
  std::size_t total = std::max(m_expected, m_done);
  int pct = total ? static_cast<int>(done * 100 / total) : 100;
  // Runtime collection can grow the total: the percentage still never goes back.
  pct = std::max(pct, m_last_pct);
  m_last_pct = pct;
  char buf[16];
  std::snprintf(buf, sizeof buf, "[%3d%%]", pct);
  return buf;
}

void TerminalReporter::on_start(const RunHeader& h) {
  m_header = h;
  for (std::size_t i = 0; i < h.module_order.size(); ++i) m_module_rank.emplace(h.module_order[i], i);
  // Priors alone (no history yet) make no ETA worth showing until a batch finished.
  if (m_live) m_live->plan(h.batch_costs, h.workers, h.predicted_s > 0);
  m_expected = h.collected;
  m_started = true;
}

void TerminalReporter::on_worker_header(const std::string& python, const std::vector<std::string>& lines) {
  if (m_header_printed) return;
  m_python = python;
  m_worker_lines = lines;
  ensure_header();
}

void TerminalReporter::ensure_header() {
  if (m_header_printed || !m_started) return;
  m_header_printed = true;
  struct Release {
    std::atomic<bool>& flag;
    ~Release() { flag.store(true, std::memory_order_release); }
  } release{m_drawing};
  if (m_opts.verbose < 0) return;
  std::string s = rule("test session starts", '=', {Color::none, true});
  if (!m_opts.no_header) {
    const auto& h = m_header;
    std::string py = m_python.empty() ? h.python_version : m_python;
    s += "platform linux -- " + (py.empty() ? std::string() : "Python " + py + ", ") + "fastest-" + h.version + "\n";
    std::string root = "rootdir: " + h.rootdir;
    if (!h.configfile.empty()) root += ", configfile: " + h.configfile;
    if (!h.testpaths.empty()) root += ", testpaths: " + h.testpaths;
    s += root + "\n";
    // The worker's pytest_report_header lines; its own rootdir line would repeat ours.
    for (const auto& l : m_worker_lines)
      if (l != root) s += sanitize(l) + "\n";
    for (const auto& l : h.extra_lines) s += l + "\n";
    std::string sched = std::to_string(h.workers) + (h.workers == 1 ? " worker" : " workers");
    if (!h.schedule.empty()) sched += ", schedule " + h.schedule;
    if (h.predicted_s > 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, ", predicted %.2fs", h.predicted_s);
      sched += buf;
    }
    s += "fastest: " + sched + "\n";
  }
  write(s);
  m_need_blank = true;
}

void TerminalReporter::on_collection_done(const CollectionCounts& c) {
  if (m_collected_printed) return;
  ensure_header();
  if (m_progress_written && !m_finishing) {
    m_deferred_collected = c;
    return;
  }
  m_collected_printed = true;
  if (c.interrupts) m_held.clear();
  if (m_opts.verbose >= 0) {
    // pytest rewrites "collecting ..." in bold on a terminal, writes a plain line elsewhere
    // (after "collecting ... " at -v: its pytest_collection writes that off a terminal too).
    std::string s = m_paint.paint(collected_line(c), {Color::none, m_opts.isatty}) + "\n";
    if (m_opts.collect_verbose >= 1 && !m_opts.isatty)
      s.insert(0, m_paint.paint("collecting ... ", {Color::none, true}));
    for (const auto& l : m_header.collection_lines) s += l + "\n";
    write(s);
    m_need_blank = true;
  }
  replay_held_progress();
}

void TerminalReporter::replay_held_progress() {
  const std::size_t done = m_done;
  for (auto& h : m_held) {
    m_done = h.done;
    switch (h.kind) {
      case HeldProgress::Kind::module:
        write_progress(module_lines(h.module, h.text));
        break;
      case HeldProgress::Kind::verbose:
        write_progress(verbose_block(h.result));
        break;
      case HeldProgress::Kind::text:
        write_progress(h.text);
        break;
    }
  }
  m_done = done;
  m_held.clear();
}

void TerminalReporter::write_progress(const std::string& lines) {
  // pytest starts the first module line (or -v line) after the header with an empty line.
  if (m_need_blank) write("\n");
  m_need_blank = false;
  m_progress_written = true;
  write(lines);
}

void TerminalReporter::on_info(const std::string& text) {
  ensure_header();
  write(text);
}

void TerminalReporter::on_terminal_summary(const std::string& text, bool ran_tests) {
  // Every worker runs the hook with its own tests' stats. One that ran none would show
  // a section about nothing ("0 passed"): only when no worker ran a test. A section
  // that does not depend on the worker's tests (a fixed footer) comes once, as in pytest.
  auto& texts = ran_tests ? m_terminal_summaries : m_idle_summaries;
  if (std::find(texts.begin(), texts.end(), text) == texts.end()) texts.push_back(text);
}

void TerminalReporter::on_collect_error(const base::CollectionError& e) {
  ensure_header();
  // pytest collects before it runs: a collection error has no progress letter.
  std::string body = sanitize(e.message);
  if (!body.empty() && body.back() != '\n') body += '\n';
  // An empty file is the session's own collection (pytest's Session node id is "").
  m_errors.push_back(
      {"ERROR collecting " + (e.file.empty() ? std::string("test session") : e.file), body, e.file, sanitize(e.crash)});
}

void TerminalReporter::on_rerun(const base::TestResult& r) {
  ensure_header();
  if (m_opts.verbose > 0) {
    std::string line = sanitize(r.node_id) + " RERUN\n";
    if (holding_progress())
      m_held.push_back({m_done, HeldProgress::Kind::text, "", std::move(line)});
    else
      write_progress(line);
    return;
  }
  // The live area has no module lines to put the letter in.
  if (m_live) return;
  m_module_letters[r.file] += 'R';
}

void TerminalReporter::on_result(const base::TestResult& r) {
  ensure_header();
  // pytest prints no progress for a module that skipped itself at collection: it is no
  // item (not in the percentage's total either), only a count and a -rs line.
  const bool module_skip = r.when == "collect" && r.outcome == base::Outcome::skipped;
  if (!module_skip) ++m_done;
  if (m_live) m_live->result(r);
  if (r.outcome == base::Outcome::xpassed) m_any_warning_or_xpass = true;
  if (m_opts.durations >= 0 && r.when != "collect") {
    // pytest reports the phases that ran: no call after a setup that failed or skipped.
    m_phases.push_back({r.setup_s, "setup", r.node_id});
    if (r.when != "setup") m_phases.push_back({r.call_s, "call", r.node_id});
    m_phases.push_back({r.teardown_s, "teardown", r.node_id});
  }
  // A plugin's reports beside the test's own (pytest-subtests): each in its category's
  // list with its own words, before the test's own, as pytest's stats get them.
  std::vector<base::TestResult> subs;
  for (const auto& sub : r.subreports) {
    subs.push_back(sub_result(r, sub));
    keep(subs.back());
  }
  keep(r);
  if (!r.teardown_error.empty()) {
    std::string body = sanitize(r.teardown_error);
    if (!body.empty() && body.back() != '\n') body += '\n';
    m_errors.push_back({"ERROR at teardown of " + (r.head_line.empty() ? head_line(r.node_id) : r.head_line), body,
                        r.node_id, crash_message(body)});
  }
  if (m_live && m_opts.verbose <= 0) {
    for (const auto& sub : subs) live_failure_line(sub);
    live_failure_line(r);
    return;
  }
  if (!module_skip) show_progress(r, subs);
}

void TerminalReporter::show_progress(const base::TestResult& r, const std::vector<base::TestResult>& subs) {
  // pytest shows nothing for a report whose status has neither letter nor word, nor for
  // a sub-report logged under fd capture (its letter went into the test's stdout).
  std::vector<const base::TestResult*> shown;
  bool captured_line = false;
  std::size_t hidden = 0;  // columns of letters pytest wrote into the capture
  for (std::size_t i = 0; i < subs.size(); ++i) {
    captured_line = captured_line || r.subreports[i].captured;
    if (!r.subreports[i].captured)
      shown.push_back(&subs[i]);
    else
      hidden += text_width(r.subreports[i].status.letter);
  }
  shown.push_back(&r);
  std::erase_if(shown, [](const base::TestResult* x) {
    return x->status && x->status->letter.empty() && x->status->word.empty();
  });
  if (m_opts.verbose > 0) {
    // Then pytest's terminal shows the test's location line alone before its own line.
    if (captured_line) {
      std::string line = cwd_relative(r.node_id) + " \n";
      if (holding_progress())
        m_held.push_back({m_done, HeldProgress::Kind::text, "", std::move(line)});
      else
        write_progress(line);
    }
    for (const auto* x : shown) {
      if (holding_progress())
        m_held.push_back({m_done, HeldProgress::Kind::verbose, "", "", *x});
      else
        write_progress(verbose_block(*x));
    }
    return;
  }
  auto& letters = m_module_letters[r.file];
  for (const auto* x : shown) {
    if (!x->status) {
      letters += letter(x->outcome);
      continue;
    }
    letters += x->status->letter;
    // Letters a plugin names are painted as pytest paints its report (by outcome or markup).
    if (x->status->letter.size() == 1)
      m_letter_colors[x->status->letter[0]] = report_markup(x->outcome, x->status.get()).color;
  }
  if (!r.teardown_error.empty()) letters += 'E';
  // pytest's terminal writer counted them in its line's width all the same: the line's
  // percentage moves left by as many columns (k_hidden_column, never printed).
  letters.append(hidden, k_hidden_column);
}

void TerminalReporter::keep(const base::TestResult& r) {
  // A status's category picks the list (pytest's stats[category]); a plugin's own one is
  // only counted, and makes pytest's main colour yellow.
  base::Outcome o = r.outcome;
  if (r.status) {
    auto as = kept_as(r.status->category);
    if (!as) {
      if (!r.status->category.empty()) m_unknown_category = true;
      return;
    }
    o = *as;
  }
  switch (o) {
    case base::Outcome::passed:
    case base::Outcome::flaky: {
      // Only -rp and -rP read the passes back; otherwise a count is all the colour needs
      // (100,000 kept copies were a third of the controller's peak memory).
      if (m_chars.find_first_of("pP") == std::string::npos && r.when != "collect") {
        ++m_passes_not_kept;
        break;
      }
      base::TestResult kept = r;
      if (m_chars.find('P') == std::string::npos) kept.captured_stdout = kept.captured_stderr = kept.captured_log = "";
      kept.longrepr.clear();
      kept.subreports.clear();
      m_passed.push_back(std::move(kept));
      break;
    }
    case base::Outcome::failed:
    case base::Outcome::crashed:
    case base::Outcome::timed_out:
      m_failed.push_back(r);
      m_failed.back().subreports.clear();
      break;
    case base::Outcome::error: {
      std::string when = r.when.empty() ? "setup" : r.when;
      std::string title =
          when == "collect" ? "ERROR collecting " + r.file
                            : "ERROR at " + when + " of " + (r.head_line.empty() ? head_line(r.node_id) : r.head_line);
      std::string body = sanitize(r.longrepr);
      if (!body.empty() && body.back() != '\n') body += '\n';
      m_errors.push_back({title, body + sections(r, when), r.node_id, r.message, word_of(r, "ERROR")});
      break;
    }
    case base::Outcome::skipped:
      // One entry per pytest report: `-rs` groups them ("SKIPPED [2] ...").
      for (int i = 0; i < r.reports; ++i) m_skipped.push_back(r);
      break;
    case base::Outcome::xfailed:
      m_xfailed.push_back(r);
      break;
    case base::Outcome::xpassed:
      m_xpassed.push_back(r);
      break;
  }
}

std::string TerminalReporter::verbose_block(const base::TestResult& r) {
  // Live logging (pytest's _LiveLoggingStreamHandler): records before the test, then the
  // node id and, once a setup/call record came, a line break, the phase's "live log"
  // rule and records, the outcome word on a line of its own; teardown records after it.
  const std::string id = cwd_relative(r.node_id);  // pytest's _locationline
  std::string before, in_test, after;
  for (const auto& [when, text] : r.live_log) {
    std::string sec = rule("live log " + when, '-', {Color::none, true}) + sanitize(text);
    if (!sec.empty() && sec.back() != '\n') sec += '\n';
    if (when == "teardown" || when == "finish")
      after += sec;
    else if (when == "setup" || when == "call")
      in_test += sec;
    else
      before += sec;
  }
  std::string prefix = in_test.empty() ? id + " " : "";
  std::string word = word_of(r, verbose_word(r.outcome));
  std::string line = prefix + word;
  std::string pct = progress();
  if (r.outcome == base::Outcome::skipped || r.outcome == base::Outcome::xfailed ||
      r.outcome == base::Outcome::xpassed) {
    std::string reason = r.message;
    if (reason.rfind("reason: ", 0) == 0) reason.erase(0, 8);
    if (reason.rfind("Skipped: ", 0) == 0) reason.erase(0, 9);
    if (!reason.empty())
      line += m_opts.verbose >= 2 ? " (" + sanitize(reason) + ")"
                                  : format_trimmed(" (", ")", sanitize(reason),
                                                   m_opts.width - static_cast<int>(text_width(line)) - 7 - 1);
  }
  // pytest right-justifies the percentage in the line's last free column but one.
  int pad = m_opts.width - 1 - static_cast<int>(text_width(line)) - 6;
  std::string colored =
      prefix + m_paint.paint(word, report_markup(r.outcome, r.status.get())) + line.substr(prefix.size() + word.size());
  std::string out = before;
  if (m_after_live_teardown) out.insert(0, "\n");
  if (!in_test.empty()) out += id + " \n" + in_test;
  out += colored + padded(pct, pad) + "\n";
  if (!r.teardown_error.empty()) {
    // pytest's teardown report gets a line of its own, with the same percentage.
    const std::string err = id + " ERROR";
    out += id + " " + m_paint.paint("ERROR", outcome_markup(base::Outcome::error)) +
           padded(pct, m_opts.width - 1 - static_cast<int>(text_width(err)) - 6) + "\n";
  }
  out += after;
  // pytest's next line starts with a line break of its own: an empty line.
  m_after_live_teardown = !after.empty();
  return out;
}

void TerminalReporter::on_batch_done(const std::string& module, std::int64_t batch) {
  if (m_live) m_live->batch_done(batch);
  // -q/-qq keep the letter lines (without module names), -v prints per test; the live
  // area shows the progress instead of module lines.
  if (m_opts.verbose > 0 || m_live) return;
  flush_module(module);
}

void TerminalReporter::on_batch_start(std::int64_t batch, std::int64_t origin, int worker) {
  if (m_live) m_live->batch_started(batch, origin, worker);
}

void TerminalReporter::on_batch_collected(std::int64_t batch, std::size_t items) {
  if (m_live) m_live->batch_collected(batch, items);
}

double TerminalReporter::tick_interval_s() const {
  if (m_live) return m_opts.live_opts.interval_s;
  return m_opts.clock && m_opts.silence_s > 0 ? 1.0 : 0.0;
}

void TerminalReporter::on_tick(const std::vector<WorkerActivity>& running) {
  // Nothing is drawn before the session header, which waits for the first worker.
  if (!m_drawing.load(std::memory_order_acquire)) return;
  if (m_live) {
    m_live->set_running(running);
    m_live->tick();
    return;
  }
  if (!m_opts.clock || running.empty()) return;
  // A CI log never goes silent for long: name the longest-running test.
  const double now = m_opts.clock->now_seconds();
  std::lock_guard lock(m_write_mu);
  if (now - m_last_output < m_opts.silence_s) return;
  const WorkerActivity* longest = &running.front();
  for (const auto& a : running)
    if (a.since_s < longest->since_s) longest = &a;
  char buf[48];
  std::snprintf(buf, sizeof buf, " (%.0fs)\n", now - longest->since_s);
  std::string line = "still running: " + fit_line(longest->node_id, 4096) + buf;
  std::fwrite(line.data(), 1, line.size(), m_opts.out);
  std::fflush(m_opts.out);
  m_last_output = now;
}

void TerminalReporter::live_failure_line(const base::TestResult& r) {
  // The short line now, the full section at the end, as pytest's summary has them.
  if (base::is_failure(r.outcome))
    write(summary_line(word_of(r, r.outcome == base::Outcome::error ? "ERROR" : "FAILED"), r.node_id, r.message) +
          "\n");
  if (!r.teardown_error.empty()) write(summary_line("ERROR", r.node_id, crash_message(r.teardown_error)) + "\n");
}

void TerminalReporter::flush_module(const std::string& module) {
  auto it = m_module_letters.find(module);
  if (it == m_module_letters.end()) return;
  if (it->second.empty()) {
    m_module_letters.erase(it);
    return;
  }
  if (holding_progress())
    m_held.push_back({m_done, HeldProgress::Kind::module, module, std::move(it->second)});
  else
    write_progress(module_lines(module, it->second));
  m_module_letters.erase(it);
}

std::string TerminalReporter::module_lines(const std::string& module, std::string_view letters) {
  // Long modules wrap like pytest's: letters fill the line, the percentage of the count its
  // last letter reached closes it. At -q pytest writes no path and starts no line per
  // module: the letters go on where the last module's stopped, the line ends when full.
  const bool quiet = m_opts.verbose < 0;
  // pytest's write_fspath_result names the file by bestrelpath from the invocation directory.
  std::string head = quiet ? std::string() : cwd_relative(module) + " ";
  std::string joined = quiet ? std::exchange(m_quiet_letters, std::string()) + std::string(letters) : "";
  if (quiet) letters = joined;
  std::size_t left = letters.size();  // letters after the current chunk (one result each, near enough)
  std::string out;
  do {
    std::size_t room = static_cast<std::size_t>(std::max(1, m_opts.width - static_cast<int>(head.size()) - 6 - 2));
    if (quiet && letters.size() < room && m_done < std::max(m_expected, m_done)) {
      m_quiet_letters = std::string(letters);  // the line goes on with the next module's letters
      break;
    }
    std::string_view chunk = letters.substr(0, room);
    letters.remove_prefix(std::min(room, letters.size()));
    left = letters.size();
    std::string pct = progress_at(m_done - std::min(m_done, left));
    int pad = m_opts.width - 1 - static_cast<int>(head.size() + chunk.size()) - 6;
    out += head + paint_letters(chunk) + padded(pct, std::max(1, pad)) + "\n";
    head.clear();
  } while (!letters.empty());
  return out;
}

std::string TerminalReporter::quiet_rest() {
  if (m_quiet_letters.empty()) return "";
  std::string rest = std::exchange(m_quiet_letters, std::string());
  int pad = m_opts.width - 1 - static_cast<int>(rest.size()) - 6;
  return paint_letters(rest) + padded(progress(), std::max(1, pad)) + "\n";
}

std::string TerminalReporter::padded(const std::string& pct, int pad) const {
  // pytest colours the right-justified " [ 50%]" whole, its padding included.
  std::size_t total = std::max(m_expected, m_done);
  return m_paint.paint(std::string(static_cast<std::size_t>(std::max(0, pad)), ' ') + pct,
                       {main_color(m_done >= total), false});
}

std::string TerminalReporter::paint_letters(std::string_view letters) const {
  if (!m_paint.enabled()) {
    std::string out(letters);
    std::erase(out, k_hidden_column);
    return out;
  }
  // pytest writes each letter with its own markup.
  std::string out;
  for (char c : letters) {
    if (c == k_hidden_column) continue;
    auto named = m_letter_colors.find(c);
    Color color = named != m_letter_colors.end() ? named->second
                  : c == '.'                     ? Color::green
                  : c == 'F' || c == 'E'         ? Color::red
                                                 : Color::yellow;
    out += m_paint.paint(std::string_view(&c, 1), {color, false});
  }
  return out;
}

void TerminalReporter::on_warning(const base::WarningRecord& w) { m_warnings.push_back(w); }

}  // namespace fastest::report
