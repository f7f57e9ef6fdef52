// A small reader for pytest's JUnit XML: testcase elements, their attributes and the
// kind of their first result child. pytest escapes '<' in all text, so tags are exact.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "app/verify.h"

namespace fastest::app {
namespace {

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    unsigned long code = 0;
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      std::string num(ent.substr(1));
      bool hex = !num.empty() && (num[0] == 'x' || num[0] == 'X');
      code = std::strtoul(num.c_str() + (hex ? 1 : 0), nullptr, hex ? 16 : 10);
      // UTF-8 encode the code point.
      if (code < 0x80)
        out += static_cast<char>(code);
      else if (code < 0x800)
        out += static_cast<char>(0xC0 | (code >> 6)), out += static_cast<char>(0x80 | (code & 0x3F));
      else if (code < 0x10000)
        out += static_cast<char>(0xE0 | (code >> 12)), out += static_cast<char>(0x80 | ((code >> 6) & 0x3F)),
            out += static_cast<char>(0x80 | (code & 0x3F));
      else
        out += static_cast<char>(0xF0 | (code >> 18)), out += static_cast<char>(0x80 | ((code >> 12) & 0x3F)),
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F)), out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

/// The value of attribute `name` in a start tag's text ("" if absent).
std::string attribute(std::string_view tag, std::string_view name) {
  for (std::size_t at = tag.find(name); at != std::string_view::npos; at = tag.find(name, at + 1)) {
    bool starts = at > 0 && (tag[at - 1] == ' ' || tag[at - 1] == '\t' || tag[at - 1] == '\n');
    std::size_t eq = at + name.size();
    if (!starts || eq + 1 >= tag.size() || tag[eq] != '=') continue;
    char q = tag[eq + 1];
    std::size_t end = tag.find(q, eq + 2);
    if (end == std::string_view::npos) return "";
    return unescape(tag.substr(eq + 2, end - eq - 2));
  }
  return "";
}

int badness(const std::string& outcome) { return outcome == "passed" ? 0 : 1; }

/// The outcome a testcase's body says: its failure/error/skipped child, else passed.
std::string body_outcome(std::string_view body) {
  if (body.find("<failure") != std::string_view::npos) return "failed";
  if (body.find("<error") != std::string_view::npos) return "error";
  auto sk = body.find("<skipped");
  if (sk == std::string_view::npos) return "passed";
  auto end = body.find('>', sk);
  return attribute(body.substr(sk, end - sk), "type") == "pytest.xfail" ? "xfailed" : "skipped";
}

}  // namespace

std::map<std::string, std::string> junit_outcomes(std::string_view xml) {
  std::map<std::string, std::string> out;
  for (std::size_t at = xml.find("<testcase"); at != std::string_view::npos; at = xml.find("<testcase", at + 1)) {
    std::size_t close = xml.find('>', at);
    if (close == std::string_view::npos) break;
    std::string_view tag = xml.substr(at, close - at);
    std::string outcome = "passed";
    if (tag.empty() || tag.back() != '/') {
      std::size_t end = xml.find("</testcase>", close);
      if (end == std::string_view::npos) end = xml.size();
      outcome = body_outcome(xml.substr(close + 1, end - close - 1));
    }
    std::string key = attribute(tag, "classname") + "::" + attribute(tag, "name");
    auto [it, fresh] = out.emplace(key, outcome);
    if (!fresh && badness(it->second) < badness(outcome)) it->second = outcome;
  }
  return out;
}

std::string junit_key(std::string_view nodeid) {
  // pytest's junitxml mangle_test_address.
  std::string_view path = nodeid.substr(0, nodeid.find('['));
  std::string_view params = nodeid.substr(path.size());
  std::vector<std::string> names;
  for (std::size_t at = 0;;) {
    std::size_t sep = path.find("::", at);
    names.emplace_back(path.substr(at, sep == std::string_view::npos ? std::string_view::npos : sep - at));
    if (sep == std::string_view::npos) break;
    at = sep + 2;
  }
  std::string& file = names.front();
  std::replace(file.begin(), file.end(), '/', '.');
  if (file.size() >= 3 && file.compare(file.size() - 3, 3, ".py") == 0) file.resize(file.size() - 3);
  names.back() += params;
  std::string classname;
  for (std::size_t i = 0; i + 1 < names.size(); ++i) classname += (i ? "." : "") + names[i];
  return classname + "::" + names.back();
}

void mark_xpassed(std::map<std::string, std::string>& outcomes, const std::vector<std::string>& xpassed) {
  for (const auto& id : xpassed) {
    auto it = outcomes.find(junit_key(id));
    if (it != outcomes.end() && it->second == "passed") it->second = "xpassed";
  }
}

}  // namespace fastest::app
