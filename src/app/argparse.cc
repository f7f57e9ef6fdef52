#include "app/argparse.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>

namespace fastest::app {
namespace {

/// How one argument was classified: `spec` < 0 is an unknown option.
struct OptTuple {
  long spec = -1;
  std::string option_string;
  std::optional<std::string> explicit_arg;
};

struct Range {
  std::size_t min = 0, max = 0;  ///< max == npos: unbounded
};

Range nargs_range(const OptionSpec& s) {
  if (!s.nargs.empty()) {
    if (s.nargs == "?") return {0, 1};
    if (s.nargs == "*") return {0, std::string::npos};
    if (s.nargs == "+") return {1, std::string::npos};
    std::size_t n = static_cast<std::size_t>(std::strtoul(s.nargs.c_str(), nullptr, 10));
    return {n, n};
  }
  if (!s.takes_value()) return {0, 0};
  return s.optional_value ? Range{0, 1} : Range{1, 1};
}

std::string nargs_error(const OptionSpec& s) {
  if (s.nargs == "+") return "expected at least one argument";
  if (!s.nargs.empty() && s.nargs != "?" && s.nargs != "*") return "expected " + s.nargs + " arguments";
  return "expected one argument";
}

bool is_negative_number(const std::string& a) {
  // argparse's '^-\d+$|^-\d*\.\d+$'
  if (a.size() < 2 || a[0] != '-') return false;
  std::size_t dot = a.find('.');
  auto digits = [&](std::size_t b, std::size_t e) {
    return std::all_of(a.begin() + static_cast<long>(b), a.begin() + static_cast<long>(e),
                       [](unsigned char c) { return std::isdigit(c); });
  };
  if (dot == std::string::npos) return digits(1, a.size());
  return dot + 1 < a.size() && digits(1, dot) && digits(dot + 1, a.size());
}

std::string quote(const std::string& s) {
  // Python's repr of a plain str, close enough for messages.
  bool has_single = s.find('\'') != std::string::npos, has_double = s.find('"') != std::string::npos;
  char q = has_single && !has_double ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == q || c == '\\') out += '\\';
    out += c;
  }
  return out + q;
}

class Parser {
 public:
  Parser(const std::vector<std::string>& args, const std::vector<OptionSpec>& table) : m_args(args), m_table(table) {
    for (std::size_t i = 0; i < table.size(); ++i)
      for (const auto& n : table[i].names) m_by_name.emplace(n, i);  // the first registration wins
  }

  base::Result<ParsedArgs> run() {
    if (auto st = classify(); !st.ok()) return st.error();
    std::size_t start = 0;
    long max_opt = m_opts.empty() ? -1 : static_cast<long>(m_opts.rbegin()->first);
    while (static_cast<long>(start) <= max_opt) {
      std::size_t next = m_opts.lower_bound(start)->first;
      if (start != next) {
        std::size_t end = consume_positionals(start);
        if (end > start) {
          start = end;
          continue;
        }
      }
      if (!m_opts.count(start)) {
        for (std::size_t i = start; i < next; ++i) m_out.unrecognized.push_back(m_args[i]);
        start = next;
      }
      auto r = consume_optional(start);
      if (!r.ok()) return r.error();
      start = r.value();
    }
    std::size_t stop = consume_positionals(start);
    for (std::size_t i = stop; i < m_args.size(); ++i) m_out.unrecognized.push_back(m_args[i]);
    return std::move(m_out);
  }

 private:
  base::Status classify() {
    for (std::size_t i = 0; i < m_args.size(); ++i) {
      if (m_args[i] == "--") {
        m_pattern += '-';
        m_pattern.append(m_args.size() - i - 1, 'A');
        break;
      }
      auto t = parse_optional(m_args[i]);
      if (!t.ok()) return t.error();
      if (t.value()) m_opts.emplace(i, *t.value());
      m_pattern += t.value() ? 'O' : 'A';
    }
    return base::ok_status();
  }

  base::Result<std::optional<OptTuple>> parse_optional(const std::string& a) const {
    if (a.empty() || a[0] != '-') return std::optional<OptTuple>();
    if (auto it = m_by_name.find(a); it != m_by_name.end())
      return std::optional<OptTuple>(OptTuple{static_cast<long>(it->second), a, std::nullopt});
    if (a.size() == 1) return std::optional<OptTuple>();
    if (auto eq = a.find('='); eq != std::string::npos) {
      if (auto it = m_by_name.find(a.substr(0, eq)); it != m_by_name.end())
        return std::optional<OptTuple>(OptTuple{static_cast<long>(it->second), a.substr(0, eq), a.substr(eq + 1)});
    }
    // Single-dash prefixes (argparse does these even with allow_abbrev=False): "-kEXPR".
    std::vector<OptTuple> found;
    if (a[1] != '-') {
      for (const auto& [name, idx] : m_by_name) {
        if (name == a.substr(0, 2))
          found.push_back({static_cast<long>(idx), name, a.substr(2)});
        else if (name.compare(0, a.size(), a) == 0)
          found.push_back({static_cast<long>(idx), name, std::nullopt});
      }
    }
    if (found.size() > 1) {
      std::string names;
      for (const auto& f : found) names += (names.empty() ? "" : ", ") + f.option_string;
      return base::make_error(base::ErrorCode::usage, "ambiguous option: " + a + " could match " + names);
    }
    if (found.size() == 1) return std::optional<OptTuple>(found[0]);
    if (is_negative_number(a) || a.find(' ') != std::string::npos) return std::optional<OptTuple>();
    return std::optional<OptTuple>(OptTuple{-1, a, std::nullopt});
  }

  std::size_t consume_positionals(std::size_t start) {
    if (m_positionals_done) return start;
    m_positionals_done = true;
    std::size_t end = start;
    bool removed_dashdash = false;
    while (end < m_pattern.size() && m_pattern[end] != 'O') {
      if (m_pattern[end] == '-' && !removed_dashdash) {
        removed_dashdash = true;  // argparse drops the first '--' from the values
      } else {
        m_out.file_or_dir.push_back(m_args[end]);
      }
      ++end;
    }
    return end;
  }

  base::Error arg_error(const OptionSpec& s, const std::string& msg) const {
    return base::make_error(base::ErrorCode::usage, "argument " + option_display_name(s) + ": " + msg);
  }

  base::Result<std::size_t> consume_optional(std::size_t start) {
    OptTuple t = m_opts.at(start);
    if (t.spec < 0) {
      m_out.unrecognized.push_back(m_args[start]);
      return start + 1;
    }
    std::vector<ParsedOption> taken;
    std::size_t stop = start + 1;
    for (;;) {
      const OptionSpec& spec = m_table[static_cast<std::size_t>(t.spec)];
      Range r = nargs_range(spec);
      ParsedOption p;
      p.spec = static_cast<std::size_t>(t.spec);
      p.option_string = t.option_string;
      p.first_arg = start;
      if (t.explicit_arg) {
        if (r.max == 0 && t.option_string[1] != '-' && !t.explicit_arg->empty()) {
          // A cluster: "-vvs" is -v, then "-vs".
          taken.push_back(p);
          std::string next = std::string("-") + (*t.explicit_arg)[0];
          auto it = m_by_name.find(next);
          if (it == m_by_name.end()) return arg_error(spec, "ignored explicit argument " + quote(*t.explicit_arg));
          t = OptTuple{static_cast<long>(it->second), next,
                       t.explicit_arg->size() > 1 ? std::optional(t.explicit_arg->substr(1)) : std::nullopt};
          continue;
        }
        if (r.max == 0 || r.min > 1) return arg_error(spec, "ignored explicit argument " + quote(*t.explicit_arg));
        p.values = {*t.explicit_arg};
        taken.push_back(p);
        break;
      }
      std::size_t n = 0;
      while (n < r.max && start + 1 + n < m_pattern.size() && m_pattern[start + 1 + n] == 'A') ++n;
      if (n < r.min) return arg_error(spec, nargs_error(spec));
      p.values.assign(m_args.begin() + static_cast<long>(start + 1), m_args.begin() + static_cast<long>(start + 1 + n));
      stop = start + 1 + n;
      taken.push_back(p);
      break;
    }
    for (auto& p : taken) {
      p.end_arg = stop;
      p.in_cluster = taken.size() > 1;
      auto st = check_values(m_table[p.spec], p.values);
      if (!st.ok()) return st.error();
      m_out.options.push_back(std::move(p));
    }
    return stop;
  }

  base::Status check_values(const OptionSpec& s, std::vector<std::string>& values) const {
    for (auto& v : values) {
      if (s.lower) std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
      if (s.type != OptType::str) {
        const char* b = v.c_str();
        char* e = nullptr;
        errno = 0;
        if (s.type == OptType::integer)
          (void)std::strtoll(b, &e, 10);
        else
          (void)std::strtod(b, &e);
        while (e && *e && std::isspace(static_cast<unsigned char>(*e))) ++e;
        if (v.empty() || !e || *e || errno == ERANGE)
          return arg_error(
              s, std::string("invalid ") + (s.type == OptType::integer ? "int" : "float") + " value: " + quote(v));
      }
      if (!s.choices.empty() && std::find(s.choices.begin(), s.choices.end(), v) == s.choices.end()) {
        std::string list;
        for (const auto& c : s.choices) list += (list.empty() ? "" : ", ") + quote(c);
        return arg_error(s, "invalid choice: " + quote(v) + " (choose from " + list + ")");
      }
    }
    return base::ok_status();
  }

  const std::vector<std::string>& m_args;
  const std::vector<OptionSpec>& m_table;
  std::map<std::string, std::size_t> m_by_name;
  std::map<std::size_t, OptTuple> m_opts;
  std::string m_pattern;
  bool m_positionals_done = false;
  ParsedArgs m_out;
};

}  // namespace

bool ParsedArgs::has_unknown_option() const {
  return std::any_of(unrecognized.begin(), unrecognized.end(),
                     [](const std::string& a) { return !a.empty() && a[0] == '-'; });
}

std::string option_display_name(const OptionSpec& spec) {
  std::string out;
  for (const auto& n : spec.names) out += (out.empty() ? "" : "/") + n;
  return out;
}

base::Result<ParsedArgs> parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& table) {
  auto r = Parser(args, table).run();
  if (!r.ok()) return r;
  // pytest's MyOptionParser.parse_args: stray non-option arguments are paths too.
  if (!r.value().has_unknown_option()) {
    for (const auto& a : r.value().unrecognized) r.value().file_or_dir.push_back(a);
  }
  return r;
}

}  // namespace fastest::app
