#include "app/fastest_settings.h"

#include <toml++/toml.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <optional>

namespace fastest::app {
namespace fs = std::filesystem;
namespace {

base::Error bad(const std::string& msg) { return base::make_error(base::ErrorCode::usage, msg); }

std::optional<double> to_number(const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end) return std::nullopt;
  return d;
}

/// One setting: its dest on the command line, its env variable, its [tool.fastest] key.
/// `set` validates a string value (from either source) into Options; "" = ok.
struct Setting {
  const char* dest;
  const char* env;
  const char* key;
  bool numeric;  ///< TOML value is a number (timeout), or a string (or int for workers)
  std::function<std::string(Options&, const std::string&)> set;
};

std::string one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return "";
    list += (list.empty() ? "'" : ", '") + std::string(a) + "'";
  }
  return "invalid choice: '" + v + "' (choose from " + list + ")";
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"numprocesses", "FASTEST_WORKERS", "workers", false,
       [](Options& o, const std::string& v) -> std::string {
         auto n = parse_worker_count(v);
         if (!n) return "expected a number of workers, 'auto' or 'logical', got '" + v + "'";
         o.workers = *n;
         return "";
       }},
      {"schedule", "FASTEST_SCHEDULE", "schedule", false,
       [](Options& o, const std::string& v) {
         return o.schedule = v, one_of(v, {"history", "fifo"});
       }},
      {"db", "FASTEST_DB", "db", false, [](Options& o, const std::string& v) { return o.db = v, std::string(); }},
      {"python", "FASTEST_PYTHON", "python", false,
       [](Options& o, const std::string& v) { return o.python = v, std::string(); }},
      {"timeout", "FASTEST_TIMEOUT", "timeout", true,
       [](Options& o, const std::string& v) -> std::string {
         auto d = to_number(v);
         if (!d || *d < 0) return "expected a number of seconds, got '" + v + "'";
         o.timeout_s = *d;
         return "";
       }},
      {"reruns", "FASTEST_RERUNS", "reruns", true,
       [](Options& o, const std::string& v) -> std::string {
         auto d = to_number(v);
         if (!d || *d < 0 || *d != static_cast<int>(*d)) return "expected a whole number of reruns, got '" + v + "'";
         o.reruns = static_cast<int>(*d);
         return "";
       }},
      {"reruns_delay", "FASTEST_RERUNS_DELAY", "reruns_delay", true,
       [](Options& o, const std::string& v) -> std::string {
         auto d = to_number(v);
         if (!d || *d < 0) return "expected a number of seconds, got '" + v + "'";
         o.reruns_delay = *d;
         return "";
       }},
      {"quarantine_threshold", "FASTEST_QUARANTINE_THRESHOLD", "quarantine_threshold", true,
       [](Options& o, const std::string& v) -> std::string {
         auto d = to_number(v);
         if (!d || *d < 0 || *d > 1) return "expected a flip rate between 0 and 1, got '" + v + "'";
         o.quarantine_threshold = *d;
         return "";
       }},
      {"keep_runs", "FASTEST_KEEP_RUNS", "keep_runs", true,
       [](Options& o, const std::string& v) -> std::string {
         auto d = to_number(v);
         if (!d || *d < 1 || *d > 1e6 || *d != static_cast<int>(*d))
           return "expected a whole number of runs (at least 1), got '" + v + "'";
         o.keep_runs = static_cast<int>(*d);
         return "";
       }},
      {"retention_days", "FASTEST_RETENTION_DAYS", "retention_days", true,
       [](Options& o, const std::string& v) -> std::string {
         auto d = to_number(v);
         if (!d || *d < 0 || !std::isfinite(*d)) return "expected a number of days (0: no limit), got '" + v + "'";
         o.retention_days = *d;
         return "";
       }},
      {"shard", "FASTEST_SHARD", "shard", false,
       [](Options& o, const std::string& v) { return o.shard = v, std::string(); }},
      {"engine", "FASTEST_ENGINE", "engine", false,
       [](Options& o, const std::string& v) {
         return o.engine = v, one_of(v, {"native", "pytest", "auto"});
       }},
      {"progress", "FASTEST_PROGRESS", "progress", false,
       [](Options& o, const std::string& v) {
         return o.progress = v, one_of(v, {"auto", "live", "plain"});
       }},
  };
  return table;
}

/// [tool.fastest] as strings per key; a wrong TOML type is an error naming key and file.
base::Result<std::map<std::string, std::string>> read_tool_fastest(const fs::path& file) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return out;
  toml::table tbl;
  try {
    tbl = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return bad(file.string() + ": " + std::string(e.description()) + " (at line " +
               std::to_string(e.source().begin.line) + ", column " + std::to_string(e.source().begin.column) + ")");
  }
  auto* section = tbl["tool"]["fastest"].as_table();
  if (!section) return out;
  for (const auto& [k, v] : *section) {
    std::string key(k.str());
    auto it = std::find_if(settings().begin(), settings().end(), [&](const Setting& s) { return key == s.key; });
    std::string where = file.string() + ": [tool.fastest] " + key;
    if (it == settings().end()) {
      std::string known;
      for (const auto& s : settings()) known += (known.empty() ? "" : ", ") + std::string(s.key);
      return bad(file.string() + ": [tool.fastest]: unknown key '" + key + "' (known: " + known + ")");
    }
    if (auto s = v.value_exact<std::string>(); s && !it->numeric) {
      out[key] = *s;
    } else if (auto i = v.value_exact<std::int64_t>(); i && (it->numeric || key == "workers")) {
      out[key] = std::to_string(*i);
    } else if (auto d = v.value_exact<double>(); d && it->numeric) {
      out[key] = std::to_string(*d);
    } else {
      return bad(where + ": wrong type (expected " +
                 std::string(it->numeric        ? "a number"
                             : key == "workers" ? "an integer or a string"
                                                : "a string") +
                 ")");
    }
  }
  return out;
}

}  // namespace

std::optional<int> parse_worker_count(const std::string& v) {
  if (v == "auto" || v == "logical") return -1;
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || n < 0 || n > 1 << 16) return std::nullopt;
  return static_cast<int>(n);
}

/// The settings pytest's ini file may carry too (history settings only: the others are
/// pytest's or its plugins' names).
bool ini_setting(const std::string& key) {
  return key == "quarantine_threshold" || key == "keep_runs" || key == "retention_days";
}

base::Status apply_fastest_settings(Options& o, const std::set<std::string>& given, const fs::path& rootdir,
                                    const GetEnv& env, const IniConfig* ini) {
  fs::path file = rootdir / "pyproject.toml";
  auto tool = read_tool_fastest(file);
  if (!tool.ok()) return tool.error();
  for (const auto& s : settings()) {
    if (given.count(s.dest)) continue;
    if (auto v = env(s.env); v && !v->empty()) {
      if (auto err = s.set(o, *v); !err.empty()) return bad(std::string(s.env) + ": " + err);
    } else if (auto it = tool.value().find(s.key); it != tool.value().end()) {
      if (auto err = s.set(o, it->second); !err.empty())
        return bad(file.string() + ": [tool.fastest] " + s.key + ": " + err);
    } else if (ini && ini_setting(s.key) && ini->has(s.key)) {
      std::string value;
      for (const auto& part : ini->values.at(s.key)) value += part;
      if (auto err = s.set(o, value); !err.empty()) return bad(ini->inifile.string() + ": " + s.key + ": " + err);
    }
  }
  return base::ok_status();
}

}  // namespace fastest::app
