#include "report/junit.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <system_error>

namespace fastest::report {
namespace {

std::string attr_time(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string iso_now() {
  auto t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::pair<std::string, std::string> junit_names(const std::string& node_id) {
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

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out += static_cast<char>(c);
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "#x%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

JunitReporter::JunitReporter(std::filesystem::path path, std::string hostname)
    : m_path(std::move(path)), m_hostname(std::move(hostname)) {}

void JunitReporter::on_collect_error(const base::CollectionError& e) {
  auto [cls, name] = junit_names(e.file);
  ++m_tests;
  ++m_errors;
  m_cases += "<testcase classname=\"\" name=\"" + xml_escape(cls.empty() ? name : cls + "." + name) +
             "\" time=\"0.000\"><error message=\"collection failure\">" + xml_escape(e.message) + "</error></testcase>";
}

void JunitReporter::on_result(const base::TestResult& r) {
  auto [cls, name] = junit_names(r.node_id);
  double t = r.duration_s();
  m_time += t;
  ++m_tests;
  std::string body;
  auto msg = xml_escape(r.message.empty() ? first_line(r.longrepr) : r.message);
  switch (r.outcome) {
    case base::Outcome::passed:
    case base::Outcome::xpassed:
      break;
    case base::Outcome::failed:
    case base::Outcome::crashed:
    case base::Outcome::timed_out:
      ++m_failures;
      body = "<failure message=\"" + msg + "\">" + xml_escape(r.longrepr) + "</failure>";
      break;
    case base::Outcome::error:
      ++m_errors;
      body = "<error message=\"failed on setup with &quot;" + msg + "&quot;\">" + xml_escape(r.longrepr) + "</error>";
      break;
    case base::Outcome::skipped:
      ++m_skipped;
      body = "<skipped type=\"pytest.skip\" message=\"" + msg + "\">" + xml_escape(r.longrepr) + "</skipped>";
      break;
    case base::Outcome::xfailed:
      ++m_skipped;
      body = "<skipped type=\"pytest.xfail\" message=\"" + msg + "\" />";
      break;
  }
  if (!r.teardown_error.empty()) {
    ++m_errors;
    body += "<error message=\"failed on teardown\">" + xml_escape(r.teardown_error) + "</error>";
  }
  if (!r.captured_stdout.empty()) body += "<system-out>" + xml_escape(r.captured_stdout) + "</system-out>";
  if (!r.captured_stderr.empty()) body += "<system-err>" + xml_escape(r.captured_stderr) + "</system-err>";
  m_cases += "<testcase classname=\"" + xml_escape(cls) + "\" name=\"" + xml_escape(name) + "\" time=\"" +
             attr_time(t) + "\"" + (body.empty() ? " />" : ">" + body + "</testcase>");
}

std::string JunitReporter::render(const Summary& s) const {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\" errors=\"" +
         std::to_string(m_errors) + "\" failures=\"" + std::to_string(m_failures) + "\" skipped=\"" +
         std::to_string(m_skipped) + "\" tests=\"" + std::to_string(m_tests) + "\" time=\"" + attr_time(s.wall_s) +
         "\" timestamp=\"" + iso_now() + "\" hostname=\"" + xml_escape(m_hostname) + "\">" + m_cases +
         "</testsuite></testsuites>\n";
}

void JunitReporter::on_finish(const Summary& s) {
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
