#include "report/junit.h"

#include <sys/time.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <system_error>

#include "report/text.h"

namespace fastest::report {
namespace {

std::string attr_time(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

/// datetime.fromtimestamp(now).isoformat(), as pytest stamps the suite.
std::string iso_now() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm tm{};
  time_t secs = tv.tv_sec;
  localtime_r(&secs, &tm);
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (tv.tv_usec != 0) {
    std::snprintf(buf, sizeof buf, ".%06ld", static_cast<long>(tv.tv_usec));
    out += buf;
  }
  return out;
}

std::string strip(const std::string& s) {
  auto b = s.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\n\r\f\v");
  return s.substr(b, e - b + 1);
}

std::string element(const std::string& tag, const std::string& message, const std::string& text) {
  return "<" + tag + " message=\"" + xml_attr_escape(message) + "\">" + xml_escape(text) + "</" + tag + ">";
}

/// Python's repr() of a str, enough for pytest's str(longrepr) of a collection skip tuple.
std::string py_repr(const std::string& s) {
  char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == '\\' || c == q) out += '\\';
    out += c;
  }
  return out + q;
}

}  // namespace

std::pair<std::string, std::string> junit_names(const std::string& node_id) {
  // Not base::split_params on purpose: pytest's junitxml (mangle_test_address) partitions
  // the id at its first '[', even one in a directory name, and the names must match it.
  auto bracket = node_id.find('[');
  std::string path = node_id.substr(0, bracket);
  std::string params = bracket == std::string::npos ? "" : node_id.substr(bracket);
  std::vector<std::string> names;
  for (std::size_t start = 0;;) {
    auto p = path.find("::", start);
    names.push_back(path.substr(start, p - start));
    if (p == std::string::npos) break;
    start = p + 2;
  }
  std::string& mod = names[0];
  for (auto& c : mod)
    if (c == '/') c = '.';
  if (mod.size() >= 3 && mod.compare(mod.size() - 3, 3, ".py") == 0) mod.resize(mod.size() - 3);
  names.back() += params;
  std::string classname;
  for (std::size_t i = 0; i + 1 < names.size(); ++i) classname += (i ? "." : "") + names[i];
  return {classname, names.back()};
}

namespace {

std::string escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += attribute ? "&quot;" : "\"";
        continue;
      case '\t':
        out += attribute ? "&#09;" : "\t";
        continue;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        continue;
      case '\r':
        out += attribute ? "&#13;" : "\r";
        continue;
      default:
        break;
    }
    char buf[12];
    if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "#x%02X", c);
      out += buf;
    } else if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
               (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xBE) {
      // U+FFFE / U+FFFF are not XML characters either.
      std::snprintf(buf, sizeof buf, "#x%04X", 0xFFFE + (static_cast<unsigned char>(text[i + 2]) & 1));
      out += buf;
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string xml_escape(std::string_view text) { return escape(text, false); }
std::string xml_attr_escape(std::string_view text) { return escape(text, true); }

JunitReporter::JunitReporter(std::filesystem::path path, JunitOptions opts)
    : m_path(std::move(path)), m_opts(std::move(opts)), m_timestamp(iso_now()) {
  if (m_opts.family == "legacy") m_opts.family = "xunit1";
}

void JunitReporter::on_start(const RunHeader&) { m_timestamp = iso_now(); }

std::string JunitReporter::open_testcase(const base::TestResult& r, double seconds) const {
  auto [cls, name] = junit_names(r.node_id);
  if (!m_opts.prefix.empty()) cls = cls.empty() ? m_opts.prefix : m_opts.prefix + "." + cls;
  std::vector<std::pair<std::string, std::string>> attrs = {{"classname", cls}, {"name", name}};
  if (m_opts.family == "xunit1") {
    // xunit1 also names the file and the 0-based line (pytest's report location), then
    // the record_xml_attribute values (overriding a same-named attribute in place).
    attrs.push_back({"file", r.file});
    if (r.line > 0 && r.when != "collect") attrs.push_back({"line", std::to_string(r.line - 1)});
    for (const auto& [k, v] : r.xml_attributes) {
      auto it = std::find_if(attrs.begin(), attrs.end(), [&](const auto& a) { return a.first == k; });
      if (it != attrs.end())
        it->second = v;
      else
        attrs.push_back({k, v});
    }
  }
  std::string out = "<testcase";
  for (const auto& [k, v] : attrs) out += " " + xml_attr_escape(k) + "=\"" + xml_attr_escape(v) + "\"";
  return out + " time=\"" + attr_time(seconds) + "\"";
}

std::string JunitReporter::captured(const base::TestResult& r) const {
  // pytest's write_captured_output: header lines centred in 80 '-', per junit_logging.
  const std::string& mode = m_opts.logging;
  if (mode == "no") return "";
  auto part = [](const std::string& content, const char* title) {
    std::string head = title;
    std::size_t pad = head.size() < 80 ? 80 - head.size() : 0;
    // str.center(80): CPython's left margin is pad / 2 + (pad & 80 & 1), i.e. pad / 2.
    std::size_t left = pad / 2;
    return std::string(left, '-') + head + std::string(pad - left, '-') + "\n" + content + "\n";
  };
  std::string out, all;
  if (mode == "log" || mode == "all") all = part(r.captured_log, " Captured Log ");
  if (mode == "system-out" || mode == "out-err" || mode == "all") {
    all += part(r.captured_stdout, " Captured Out ");
    out += "<system-out>" + xml_escape(all) + "</system-out>";
    all.clear();
  }
  if (mode == "system-err" || mode == "out-err" || mode == "all") {
    all += part(r.captured_stderr, " Captured Err ");
    out += "<system-err>" + xml_escape(all) + "</system-err>";
    all.clear();
  }
  if (!all.empty()) out += "<system-out>" + xml_escape(all) + "</system-out>";
  return out;
}

void JunitReporter::on_collect_error(const base::CollectionError& e) {
  base::TestResult r{.node_id = e.file, .file = e.file, .when = "collect"};
  ++m_errors;
  ++m_collection.errors;
  const std::string error = element("error", "collection failure", e.message);
  // pytest's one reporter per node id: a file's second collection error (a test module's
  // Module after its DoctestModule under --doctest-modules) is another <error> of its testcase.
  if (auto it = m_error_cases.find(e.file); it != m_error_cases.end()) {
    const auto [at, collection_at] = it->second;
    m_cases.insert(at, error);
    m_collection.cases.insert(collection_at, error);
    for (auto& [file, ends] : m_error_cases) {
      if (ends.first >= at) ends.first += error.size();
      if (ends.second >= collection_at) ends.second += error.size();
    }
    return;
  }
  const std::string c = open_testcase(r, 0) + ">" + error;
  m_cases += c;
  m_collection.cases += c;
  m_error_cases[e.file] = {m_cases.size(), m_collection.cases.size()};
  m_cases += "</testcase>";
  m_collection.cases += "</testcase>";
}

void JunitReporter::on_result(const base::TestResult& r) {
  const std::size_t from = m_cases.size();
  const int errors = m_errors, skipped = m_skipped;
  add_result(r);
  // What collection decided stays when a collection error voids the tests' results.
  if (r.when != "collect") return;
  m_collection.cases.append(m_cases, from);
  m_collection.errors += m_errors - errors;
  m_collection.skipped += m_skipped - skipped;
}

void JunitReporter::add_result(const base::TestResult& r) {
  const bool call_only = m_opts.duration_report == "call";
  double first_time = call_only ? r.call_s : r.setup_s + r.call_s;
  std::string body = subreport_elements(r);
  // pytest's junitxml: the reprcrash message, else (no crash line: doctests, a string
  // longrepr) str(longrepr) whole.
  std::string msg = r.message.empty() ? strip(r.longrepr) : r.message;
  bool call_failed = false;
  switch (r.outcome) {
    case base::Outcome::passed:
    case base::Outcome::flaky:
    case base::Outcome::xpassed:
      ++m_passed;
      break;
    case base::Outcome::failed:
      // pytest's junitxml: a failed report of any phase but the call (pytest-forked's
      // crash report says '???') is an <error>, though the summary counts it failed.
      if (!r.when.empty() && r.when != "call" && r.when != "collect") {
        ++m_errors;
        body += element("error", "failed on setup with \"" + msg + "\"", strip(r.longrepr));
        break;
      }
      [[fallthrough]];
    case base::Outcome::crashed:
    case base::Outcome::timed_out:
      ++m_failures;
      call_failed = true;
      body += element("failure", msg, strip(r.longrepr));
      if (!m_opts.log_passing_tests) body += captured(r);
      break;
    case base::Outcome::error:
      ++m_errors;
      if (r.when == "collect")
        body = element("error", "collection failure", strip(r.longrepr));
      else
        body += element(
            "error", "failed on " + std::string(r.when == "teardown" ? "teardown" : "setup") + " with \"" + msg + "\"",
            strip(r.longrepr));
      break;
    case base::Outcome::skipped: {
      m_skipped += r.reports;
      SkipLocation k = skip_location(r);
      // pytest's skip longrepr names the file by its absolute path.
      if (!k.path.empty() && k.path[0] != '/' && !m_opts.rootdir.empty()) k.path = m_opts.rootdir + "/" + k.path;
      std::string line = k.line < 0 ? "" : std::to_string(k.line);
      if (r.when == "collect") {
        body = element("skipped", "collection skipped",
                       "(" + py_repr(k.path) + ", " + (line.empty() ? "None" : line) + ", " +
                           py_repr("Skipped: " + k.reason) + ")");
        // pytest's one reporter per node id gets a <skipped> per collection report.
        std::string all;
        for (int i = 0; i < r.reports; ++i) all += body;
        m_cases += open_testcase(r, 0) + ">" + all + "</testcase>";
        return;
      }
      std::string details = k.path + ":" + line + ": " + k.reason;
      body += "<skipped type=\"pytest.skip\" message=\"" + xml_attr_escape(k.reason) + "\">" + xml_escape(details) +
              "</skipped>" + captured(r);
      break;
    }
    case base::Outcome::xfailed: {
      ++m_skipped;
      std::string reason = r.message;
      if (reason.rfind("reason: ", 0) == 0) reason.erase(0, 8);
      body += "<skipped type=\"pytest.xfail\" message=\"" + xml_attr_escape(reason) + "\" />";
      break;
    }
  }
  if (r.outcome == base::Outcome::error && r.when == "collect") {
    m_cases += open_testcase(r, 0) + ">" + body + "</testcase>";
    return;
  }
  double teardown_time = call_only ? 0 : r.teardown_s;
  if (!r.teardown_error.empty()) {
    ++m_errors;
    std::string error = element("error", "failed on teardown with \"" + crash_message(r.teardown_error) + "\"",
                                strip(r.teardown_error));
    if (call_failed) {
      // pytest closes the failed call's testcase and opens a second one for the teardown error.
      ++m_double;
      m_cases += open_testcase(r, first_time) + ">" + body + "</testcase>";
      body = error;
      first_time = 0;
    } else {
      body += error;
    }
  }
  if (m_opts.log_passing_tests || !r.teardown_error.empty()) body += captured(r);
  std::string props;
  for (const auto& [k, v] : r.properties)
    props += "<property name=\"" + xml_attr_escape(k) + "\" value=\"" + xml_attr_escape(v) + "\" />";
  if (!props.empty()) body = "<properties>" + props + "</properties>" + body;
  body += rerun_elements(r);
  m_cases += open_testcase(r, first_time + teardown_time) + (body.empty() ? " />" : ">" + body + "</testcase>");
}

void JunitReporter::on_rerun(const base::TestResult& r) { m_reruns[r.node_id].push_back(r); }

std::string JunitReporter::subreport_elements(const base::TestResult& r) {
  // pytest's junitxml takes every report of the test's node id into its one <testcase>:
  // a sub-report (pytest-subtests) that passed counts a test, one that failed is a
  // <failure> (an <error> outside the call), one that skipped a <skipped>.
  std::string out;
  for (const auto& sub : r.subreports) {
    const std::string msg = sub.message.empty() ? strip(sub.longrepr) : sub.message;
    switch (sub.outcome) {
      case base::Outcome::passed:
      case base::Outcome::xpassed:
        if (sub.when == "call") ++m_passed;
        break;
      case base::Outcome::failed:
      case base::Outcome::crashed:
      case base::Outcome::timed_out:
        if (sub.when != "call") {
          ++m_errors;
          out += element("error", "failed on " + sub.when + " with \"" + msg + "\"", strip(sub.longrepr));
        } else {
          ++m_failures;
          out += element("failure", msg, strip(sub.longrepr));
        }
        break;
      case base::Outcome::error:
        ++m_errors;
        out += element("error", "failed on " + sub.when + " with \"" + msg + "\"", strip(sub.longrepr));
        break;
      case base::Outcome::skipped:
      case base::Outcome::xfailed: {
        ++m_skipped;
        SkipLocation k = skip_location(base::TestResult{.longrepr = sub.longrepr, .message = sub.message});
        if (!k.path.empty() && k.path[0] != '/' && !m_opts.rootdir.empty()) k.path = m_opts.rootdir + "/" + k.path;
        const std::string details = k.path + ":" + (k.line < 0 ? "" : std::to_string(k.line)) + ": " + k.reason;
        out += "<skipped type=\"pytest.skip\" message=\"" + xml_attr_escape(k.reason) + "\">" + xml_escape(details) +
               "</skipped>";
        break;
      }
      case base::Outcome::flaky:
        ++m_passed;
        break;
    }
  }
  return out;
}

std::string JunitReporter::rerun_elements(const base::TestResult& final_result) {
  auto it = m_reruns.find(final_result.node_id);
  if (it == m_reruns.end()) return "";
  const char* prefix = final_result.outcome == base::Outcome::flaky ? "flaky" : "rerun";
  std::string out;
  for (const auto& a : it->second) {
    const bool error = a.outcome == base::Outcome::error;
    std::string tag = std::string(prefix) + (error ? "Error" : "Failure");
    std::string msg = a.message.empty() ? first_line(a.longrepr) : a.message;
    out += "<" + tag + " message=\"" + xml_attr_escape(msg) + "\" type=\"" + (error ? "error" : "failure") + "\">";
    out += "<stackTrace>" + xml_escape(strip(a.longrepr)) + "</stackTrace>";
    if (!a.captured_stdout.empty()) out += "<system-out>" + xml_escape(a.captured_stdout) + "</system-out>";
    if (!a.captured_stderr.empty()) out += "<system-err>" + xml_escape(a.captured_stderr) + "</system-err>";
    out += "</" + tag + ">";
  }
  m_reruns.erase(it);
  return out;
}

void JunitReporter::on_suite_property(const std::string& name, const std::string& value) {
  m_suite_properties.emplace_back(name, value);
}

std::string JunitReporter::render(const Summary& s) const {
  // pytest_internalerror: a testcase of its own, after the ones so far.
  std::string internal;
  if (!s.internal_error.empty()) {
    std::string text;
    std::size_t start = 0;
    while (start < s.internal_error.size()) {
      std::size_t end = s.internal_error.find('\n', start);
      std::string_view line(s.internal_error.data() + start,
                            (end == std::string::npos ? s.internal_error.size() : end) - start);
      if (line.rfind("INTERNALERROR> ", 0) == 0) line.remove_prefix(15);
      text += (start ? "\n" : "") + std::string(line);
      if (end == std::string::npos) break;
      start = end + 1;
    }
    internal = "<testcase classname=\"pytest\" name=\"internal\" time=\"0.000\">" +
               element("error", "internal error", strip(text)) + "</testcase>";
  }
  const int extra = internal.empty() ? 0 : 1;
  if (s.void_results)
    return document(s, m_collection.cases + internal, 0, m_collection.errors + extra, m_collection.skipped,
                    m_collection.errors + m_collection.skipped + extra);
  return document(s, m_cases + internal, m_failures, m_errors + extra, m_skipped,
                  m_passed + m_failures + m_skipped + m_errors - m_double + extra);
}

std::string JunitReporter::document(const Summary& s, const std::string& cases, int failures, int errors, int skipped,
                                    int tests) const {
  std::string props;
  for (const auto& [k, v] : m_suite_properties)
    props += "<property name=\"" + xml_attr_escape(k) + "\" value=\"" + xml_attr_escape(v) + "\" />";
  if (!props.empty()) props = "<properties>" + props + "</properties>";
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"" +
         xml_attr_escape(m_opts.suite_name) + "\" errors=\"" + std::to_string(errors) + "\" failures=\"" +
         std::to_string(failures) + "\" skipped=\"" + std::to_string(skipped) + "\" tests=\"" + std::to_string(tests) +
         "\" time=\"" + attr_time(s.wall_s) + "\" timestamp=\"" + m_timestamp + "\" hostname=\"" +
         xml_attr_escape(m_opts.hostname) + "\">" + props + cases + "</testsuite></testsuites>";
}

void JunitReporter::on_finish(const Summary& s) {
  if (s.fatal_at_startup) return;  // pytest's junitxml never reaches pytest_sessionfinish
  std::error_code ec;
  if (m_path.has_parent_path()) std::filesystem::create_directories(m_path.parent_path(), ec);
  auto tmp = m_path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << render(s);
    if (!out) {
      m_write_failed = true;
      return;
    }
  }
  std::filesystem::rename(tmp, m_path, ec);
  m_write_failed = static_cast<bool>(ec);
}

}  // namespace fastest::report
