#include "report/terminal.h"

#include <algorithm>
#include <cstdio>

namespace fastest::report {
namespace {

char letter(base::Outcome o) {
  switch (o) {
    case base::Outcome::passed:
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

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// Terminal output must stay readable whatever a test printed: escape control bytes.
std::string sanitize(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\n' || c == '\t' || c >= 0x20) {
      out += c == 0x7f ? '?' : static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

TerminalReporter::TerminalReporter(TerminalOptions opts) : m_opts(opts) {}

void TerminalReporter::write(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), m_opts.out);
  std::fflush(m_opts.out);
}

std::string TerminalReporter::rule(const std::string& title, char fill) const {
  if (title.empty()) return std::string(static_cast<std::size_t>(m_opts.width), fill) + "\n";
  std::string t = " " + title + " ";
  int left = std::max(2, (m_opts.width - static_cast<int>(t.size())) / 2);
  int right = std::max(2, m_opts.width - left - static_cast<int>(t.size()));
  return std::string(static_cast<std::size_t>(left), fill) + t + std::string(static_cast<std::size_t>(right), fill) +
         "\n";
}

std::string TerminalReporter::progress() const {
  std::size_t total = std::max(m_expected, m_done);
  int pct = total ? static_cast<int>(m_done * 100 / total) : 100;
  char buf[16];
  std::snprintf(buf, sizeof buf, "[%3d%%]", pct);
  return buf;
}

void TerminalReporter::on_start(const RunHeader& h) {
  m_expected = h.collected;
  if (m_opts.verbose < 0) return;
  std::string s = rule("test session starts", '=');
  s += "platform linux -- fastest " + h.version + (h.python_version.empty() ? "" : ", Python " + h.python_version) +
       "\n";
  s += "rootdir: " + h.rootdir + "\n";
  std::string workers = std::to_string(h.workers) + (h.workers == 1 ? " worker" : " workers");
  std::string sched = h.schedule;
  if (h.predicted_s > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ", predicted %.2fs", h.predicted_s);
    sched += " schedule" + std::string(buf);
  }
  s += "collected " + std::to_string(h.collected) + (h.collected == 1 ? " item" : " items");
  if (h.collect_errors) s += " / " + std::to_string(h.collect_errors) + (h.collect_errors == 1 ? " error" : " errors");
  s += " in " + std::to_string(h.modules) + " modules; " + workers + " (" + sched +
       (h.predicted_s > 0 ? "" : " schedule") + ")\n\n";
  write(s);
}

void TerminalReporter::on_collect_error(const base::CollectionError& e) {
  m_collect_errors.push_back(e);
  if (m_opts.verbose >= 0) write(e.file + " E\n");
}

void TerminalReporter::on_result(const base::TestResult& r) {
  ++m_done;
  if (m_opts.durations >= 0) {
    m_phases.push_back({r.setup_s, "setup", r.node_id});
    m_phases.push_back({r.call_s, "call", r.node_id});
    m_phases.push_back({r.teardown_s, "teardown", r.node_id});
  }
  if (base::is_failure(r.outcome) || !r.teardown_error.empty())
    m_failed.push_back(r);
  else if (r.outcome != base::Outcome::passed)
    m_reported.push_back(r);
  if (m_opts.verbose > 0) {
    std::string line = sanitize(r.node_id) + " " + verbose_word(r.outcome);
    if (!r.teardown_error.empty()) line += " ERROR";
    std::string pct = progress();
    int pad = m_opts.width - static_cast<int>(line.size()) - static_cast<int>(pct.size());
    write(line + std::string(static_cast<std::size_t>(std::max(1, pad)), ' ') + pct + "\n");
    return;
  }
  auto& letters = m_module_letters[r.file];
  letters += letter(r.outcome);
  if (!r.teardown_error.empty()) letters += 'E';
}

void TerminalReporter::on_batch_done(const std::string& module, std::int64_t) {
  // -q keeps the letter lines (without module names), -qq drops them, -v prints per test.
  if (m_opts.verbose > 0 || m_opts.verbose < -1) return;
  flush_module(module);
}

void TerminalReporter::flush_module(const std::string& module) {
  auto it = m_module_letters.find(module);
  if (it == m_module_letters.end()) return;
  if (it->second.empty()) {
    m_module_letters.erase(it);
    return;
  }
  // Long modules wrap like pytest's: letters fill the line, the percentage closes it.
  std::string pct = progress();
  std::string head = m_opts.verbose < 0 ? std::string() : sanitize(module) + " ";
  std::string_view letters = it->second;
  std::string out;
  do {
    std::size_t room =
        static_cast<std::size_t>(std::max(1, m_opts.width - static_cast<int>(head.size() + pct.size()) - 1));
    std::string line = head + std::string(letters.substr(0, room));
    letters.remove_prefix(std::min(room, letters.size()));
    int pad = m_opts.width - static_cast<int>(line.size()) - static_cast<int>(pct.size());
    out += line + std::string(static_cast<std::size_t>(std::max(1, pad)), ' ') + pct + "\n";
    head.clear();
  } while (!letters.empty());
  write(out);
  m_module_letters.erase(it);
}

void TerminalReporter::on_warning(const std::string& text) { m_warnings.push_back(text); }

void TerminalReporter::print_failures() {
  std::string fails, errors;
  for (const auto& e : m_collect_errors)
    errors += rule("ERROR collecting " + sanitize(e.file), '_') + sanitize(e.message) + "\n";
  for (const auto& r : m_failed) {
    std::string body = sanitize(r.longrepr);
    if (!body.empty() && body.back() != '\n') body += '\n';
    if (m_opts.show_capture) {
      if (!r.captured_stdout.empty()) body += rule("Captured stdout call", '-') + sanitize(r.captured_stdout) + "\n";
      if (!r.captured_stderr.empty()) body += rule("Captured stderr call", '-') + sanitize(r.captured_stderr) + "\n";
    }
    if (r.outcome == base::Outcome::error)
      errors += rule("ERROR at setup of " + sanitize(head_line(r.node_id)), '_') + body;
    else if (base::is_failure(r.outcome))
      fails += rule(sanitize(head_line(r.node_id)), '_') + body;
    if (!r.teardown_error.empty())
      errors += rule("ERROR at teardown of " + sanitize(head_line(r.node_id)), '_') + sanitize(r.teardown_error) + "\n";
  }
  if (!errors.empty()) write(rule("ERRORS", '=') + errors);
  if (!fails.empty()) write(rule("FAILURES", '=') + fails);
}

void TerminalReporter::print_short_summary() {
  std::string lines;
  auto want = [&](char c) {
    // pytest: 'a' = all but passes, 'A' = all ("N" would reset; not needed here).
    const auto& rc = m_opts.report_chars;
    return rc.find(c) != std::string::npos || rc.find('a') != std::string::npos || rc.find('A') != std::string::npos;
  };
  auto msg = [](const base::TestResult& r) {
    std::string m = r.message.empty() ? first_line(r.longrepr) : first_line(r.message);
    return m.empty() ? std::string() : " - " + sanitize(m);
  };
  for (const auto& r : m_reported) {
    if (r.outcome == base::Outcome::skipped && want('s')) lines += "SKIPPED " + sanitize(r.node_id) + msg(r) + "\n";
    if (r.outcome == base::Outcome::xfailed && want('x')) lines += "XFAIL " + sanitize(r.node_id) + msg(r) + "\n";
    if (r.outcome == base::Outcome::xpassed && want('X')) lines += "XPASS " + sanitize(r.node_id) + msg(r) + "\n";
  }
  for (const auto& r : m_failed) {
    if (base::is_failure(r.outcome) && r.outcome != base::Outcome::error && want('f'))
      lines += "FAILED " + sanitize(r.node_id) + msg(r) + "\n";
    if ((r.outcome == base::Outcome::error || !r.teardown_error.empty()) && want('E'))
      lines += "ERROR " + sanitize(r.node_id) + msg(r) + "\n";
  }
  if (want('E'))
    for (const auto& e : m_collect_errors) lines += "ERROR " + sanitize(e.file) + "\n";
  if (!lines.empty()) write(rule("short test summary info", '=') + lines);
}

void TerminalReporter::print_durations() {
  if (m_opts.durations < 0) return;
  std::stable_sort(m_phases.begin(), m_phases.end(),
                   [](const Phase& a, const Phase& b) { return a.seconds > b.seconds; });
  std::size_t n = m_opts.durations == 0 ? m_phases.size() : std::min<std::size_t>(m_phases.size(), m_opts.durations);
  std::string out = rule(
      m_opts.durations == 0 ? "slowest durations" : "slowest " + std::to_string(m_opts.durations) + " durations", '=');
  std::size_t hidden = 0;
  for (std::size_t i = 0; i < n; ++i) {
    // pytest hides phases under 5 ms unless -vv.
    if (m_opts.verbose < 2 && m_phases[i].seconds < 0.005) {
      hidden = n - i;
      break;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fs %-8s ", m_phases[i].seconds, m_phases[i].when);
    out += buf + sanitize(m_phases[i].node_id) + "\n";
  }
  if (hidden)
    out += "\n(" + std::to_string(hidden) + " durations < 0.005s hidden.  Use -vv to show these durations.)\n";
  write(out);
}

void TerminalReporter::on_finish(const Summary& s) {
  if (m_opts.verbose >= -1) {
    // Batches cut short (stop, crash) still show what they reported.
    while (!m_module_letters.empty()) flush_module(m_module_letters.begin()->first);
  }
  print_durations();
  print_failures();
  if (!m_warnings.empty() && m_opts.verbose >= 0) {
    std::string w = rule("warnings summary", '=');
    for (const auto& t : m_warnings) w += sanitize(t) + "\n";
    write(w);
  }
  print_short_summary();
  if (s.interrupted) write(rule("Interrupted: " + s.interrupt_reason, '!'));
  std::string words = summary_words(s);
  write(m_opts.verbose < 0 ? words + "\n" : rule(words, '='));
}

}  // namespace fastest::report
