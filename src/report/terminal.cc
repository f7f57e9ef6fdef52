// The terminal reporter's live part: header, collected line, progress lines.
// terminal_summary.cc prints the sections at the end.
#include "report/terminal.h"

#include <algorithm>
#include <cstdio>

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

}  // namespace

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
    : m_opts(std::move(opts)), m_chars(effective_report_chars(m_opts.report_chars, m_opts.disable_warnings)) {}

void TerminalReporter::write(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), m_opts.out);
  std::fflush(m_opts.out);
}

std::string TerminalReporter::rule(const std::string& title, char fill) const {
  // pytest's TerminalWriter.sep: the title between runs of `fill`, one shorter on the left.
  if (title.empty()) return std::string(static_cast<std::size_t>(m_opts.width), fill) + "\n";
  const int width = static_cast<int>(text_width(title));
  int n = std::max((m_opts.width - width - 2) / 2, 1);
  std::string fill_s(static_cast<std::size_t>(n), fill);
  std::string line = fill_s + " " + title + " " + fill_s;
  if (static_cast<int>(text_width(line)) + 1 <= m_opts.width) line += fill;  // odd remainder goes right
  return line + "\n";
}

std::string TerminalReporter::progress() const {
  std::size_t total = std::max(m_expected, m_done);
  int pct = total ? static_cast<int>(m_done * 100 / total) : 100;
  char buf[16];
  std::snprintf(buf, sizeof buf, "[%3d%%]", pct);
  return buf;
}

void TerminalReporter::on_start(const RunHeader& h) {
  m_header = h;
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
  if (m_opts.verbose < 0) return;
  std::string s = rule("test session starts", '=');
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
  m_collected_printed = true;
  if (m_opts.verbose < 0) return;
  std::string s = collected_line(c) + "\n";
  for (const auto& l : m_header.collection_lines) s += l + "\n";
  write(s);
  m_need_blank = true;
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

void TerminalReporter::on_collect_error(const base::CollectionError& e) {
  ensure_header();
  // pytest collects before it runs: a collection error has no progress letter.
  m_errors.push_back({"ERROR collecting " + e.file, sanitize(e.message), e.file, ""});
}

void TerminalReporter::on_rerun(const base::TestResult& r) {
  ensure_header();
  if (m_opts.verbose > 0) {
    write_progress(sanitize(r.node_id) + " RERUN\n");
    return;
  }
  m_module_letters[r.file] += 'R';
}

void TerminalReporter::on_result(const base::TestResult& r) {
  ensure_header();
  ++m_done;
  if (m_opts.durations >= 0 && r.when != "collect") {
    // pytest reports the phases that ran: no call after a setup that failed or skipped.
    m_phases.push_back({r.setup_s, "setup", r.node_id});
    if (r.when != "setup") m_phases.push_back({r.call_s, "call", r.node_id});
    m_phases.push_back({r.teardown_s, "teardown", r.node_id});
  }
  switch (r.outcome) {
    case base::Outcome::passed:
    case base::Outcome::flaky: {
      base::TestResult kept = r;
      if (m_chars.find('P') == std::string::npos) kept.captured_stdout = kept.captured_stderr = kept.captured_log = "";
      kept.longrepr.clear();
      m_passed.push_back(std::move(kept));
      break;
    }
    case base::Outcome::failed:
    case base::Outcome::crashed:
    case base::Outcome::timed_out:
      m_failed.push_back(r);
      break;
    case base::Outcome::error: {
      std::string when = r.when.empty() ? "setup" : r.when;
      std::string title =
          when == "collect" ? "ERROR collecting " + r.file : "ERROR at " + when + " of " + head_line(r.node_id);
      std::string body = sanitize(r.longrepr);
      if (!body.empty() && body.back() != '\n') body += '\n';
      m_errors.push_back({title, body + sections(r, when), r.node_id, r.message});
      break;
    }
    case base::Outcome::skipped:
      m_skipped.push_back(r);
      break;
    case base::Outcome::xfailed:
      m_xfailed.push_back(r);
      break;
    case base::Outcome::xpassed:
      m_xpassed.push_back(r);
      break;
  }
  if (!r.teardown_error.empty()) {
    std::string body = sanitize(r.teardown_error);
    if (!body.empty() && body.back() != '\n') body += '\n';
    m_errors.push_back({"ERROR at teardown of " + head_line(r.node_id), body, r.node_id, crash_message(body)});
  }
  if (m_opts.verbose > 0) {
    std::string line = sanitize(r.node_id) + " " + verbose_word(r.outcome);
    if (!r.teardown_error.empty()) line += " ERROR";
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
    int pad = m_opts.width - 1 - static_cast<int>(text_width(line)) - static_cast<int>(pct.size());
    write_progress(line + std::string(static_cast<std::size_t>(std::max(0, pad)), ' ') + pct + "\n");
    return;
  }
  auto& letters = m_module_letters[r.file];
  letters += letter(r.outcome);
  if (!r.teardown_error.empty()) letters += 'E';
}

void TerminalReporter::on_batch_done(const std::string& module, std::int64_t) {
  // -q/-qq keep the letter lines (without module names), -v prints per test.
  if (m_opts.verbose > 0) return;
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
        static_cast<std::size_t>(std::max(1, m_opts.width - static_cast<int>(head.size() + pct.size()) - 2));
    std::string line = head + std::string(letters.substr(0, room));
    letters.remove_prefix(std::min(room, letters.size()));
    int pad = m_opts.width - 1 - static_cast<int>(line.size()) - static_cast<int>(pct.size());
    out += line + std::string(static_cast<std::size_t>(std::max(1, pad)), ' ') + pct + "\n";
    head.clear();
  } while (!letters.empty());
  write_progress(out);
  m_module_letters.erase(it);
}

void TerminalReporter::on_warning(const base::WarningRecord& w) { m_warnings.push_back(w); }

}  // namespace fastest::report
