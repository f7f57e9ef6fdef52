#include "app/engine.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "exec/harness.h"

namespace fastest::app {
namespace {

// pytest 7.2's default_plugins: `-p NAME` naming one of them changes nothing.
constexpr std::array<std::string_view, 32> k_builtin_plugins{"mark",
                                                             "main",
                                                             "runner",
                                                             "fixtures",
                                                             "helpconfig",
                                                             "python",
                                                             "terminal",
                                                             "debugging",
                                                             "unittest",
                                                             "capture",
                                                             "skipping",
                                                             "legacypath",
                                                             "tmpdir",
                                                             "monkeypatch",
                                                             "recwarn",
                                                             "pastebin",
                                                             "nose",
                                                             "assertion",
                                                             "junitxml",
                                                             "doctest",
                                                             "cacheprovider",
                                                             "freeze_support",
                                                             "setuponly",
                                                             "setupplan",
                                                             "stepwise",
                                                             "warnings",
                                                             "logging",
                                                             "reports",
                                                             "python_path",
                                                             "unraisableexception",
                                                             "threadexception",
                                                             "faulthandler"};

bool is_builtin_plugin(std::string_view name) {
  return std::find(k_builtin_plugins.begin(), k_builtin_plugins.end(), name) != k_builtin_plugins.end();
}

/// The module part of an entry point or plugin name ("xdist.plugin" -> "xdist").
std::string top_package(const std::string& module) { return module.substr(0, module.find('.')); }

bool emulated_module(const std::string& module, const std::vector<InstalledPlugin>& installed) {
  return std::any_of(installed.begin(), installed.end(), [&](const InstalledPlugin& p) {
    return native_emulates_plugin(p.name) && (p.module == module || top_package(p.module) == module);
  });
}

void conftest_needs(const ConftestUse& c, const EngineFacts& f, std::vector<std::string>& out) {
  auto wrapper = [&](const std::string& h) {
    return std::find(c.hookwrappers.begin(), c.hookwrappers.end(), h) != c.hookwrappers.end();
  };
  for (const auto& h : c.hooks)
    if (wrapper(h))
      out.push_back(c.path + " defines " + h + " (hookwrapper)");
    else if (!f.native_hooks.count(h))
      out.push_back(c.path + " defines " + h);
  for (const auto& h : c.hookwrappers)
    if (std::find(c.hooks.begin(), c.hooks.end(), h) == c.hooks.end())
      out.push_back(c.path + " defines " + h + " (hookwrapper)");
  if (c.imports_pytest_internals) out.push_back(c.path + " imports _pytest");
  if (c.pytest_plugins_dynamic) out.push_back(c.path + " computes pytest_plugins");
  for (const auto& p : c.pytest_plugins) {
    if (f.local_plugin_modules.count(p) || emulated_module(p, f.installed)) continue;
    out.push_back(c.path + " loads plugin " + p + " (pytest_plugins)");
  }
}

}  // namespace

bool plugin_blocked(const std::vector<std::string>& plugin_args, const std::string& name) {
  for (const auto& p : plugin_args) {
    if (p.rfind("no:", 0) != 0) continue;
    const std::string_view no = std::string_view(p).substr(3);
    if (no == name || (name.rfind("pytest_", 0) == 0 && no == std::string_view(name).substr(7))) return true;
  }
  return false;
}

bool native_emulates_plugin(std::string_view entry_point_name) {
  return entry_point_name == "xdist" || entry_point_name == "xdist.looponfail";
}

EngineChoice choose_engine(const EngineFacts& f) {
  EngineChoice c;
  for (const auto& cf : f.conftests) conftest_needs(cf, f, c.unhonoured);
  for (const auto& p : f.plugin_args) {
    if (p.rfind("no:", 0) == 0 || is_builtin_plugin(p) || native_emulates_plugin(p) || emulated_module(p, f.installed))
      continue;
    c.unhonoured.push_back("-p " + p);
  }
  for (const auto& p : f.env_plugins)
    if (!p.empty() && !emulated_module(p, f.installed)) c.unhonoured.push_back("PYTEST_PLUGINS names " + p);
  if (!f.autoload_disabled)
    for (const auto& ep : f.installed) {
      if (native_emulates_plugin(ep.name) || plugin_blocked(f.plugin_args, ep.name)) continue;
      c.unhonoured.push_back("plugin " + ep.name + " is installed (" + ep.dist + ")");
    }
  if (f.requested == "native" || f.requested == "pytest") {
    c.engine = f.requested;
    c.reason = "--engine " + f.requested;
    return c;
  }
  c.engine = c.unhonoured.empty() ? "native" : "pytest";
  if (!c.unhonoured.empty()) c.reason = c.unhonoured.front();
  return c;
}

std::string engine_header(const EngineChoice& choice) {
  std::string s = "engine: " + choice.engine;
  if (!choice.reason.empty()) s += " (" + choice.reason + ")";
  return s;
}

std::set<std::string> parse_native_hooks(std::string_view src) {
  std::set<std::string> names;
  const std::string_view key = "NATIVE_HOOKS";
  for (std::size_t at = src.find(key); at != std::string_view::npos; at = src.find(key, at + 1)) {
    // The assignment at the start of a line: `NATIVE_HOOKS = frozenset({` or `NATIVE_HOOKS: ... = {`.
    if (at > 0 && src[at - 1] != '\n') continue;
    std::size_t eq = src.find('=', at);
    std::size_t nl = src.find('\n', at);
    if (eq == std::string_view::npos || (nl != std::string_view::npos && eq > nl)) continue;
    int depth = 0;
    bool opened = false;
    for (std::size_t i = eq + 1; i < src.size(); ++i) {
      char ch = src[i];
      if (ch == '#') {
        i = src.find('\n', i);
        if (i == std::string_view::npos) break;
        continue;
      }
      if (ch == '(' || ch == '[' || ch == '{') ++depth, opened = true;
      if (ch == ')' || ch == ']' || ch == '}') --depth;
      if (opened && depth == 0) break;
      if (!opened && ch == '\n') break;
      if (ch == '"' || ch == '\'') {
        std::size_t end = src.find(ch, i + 1);
        if (end == std::string_view::npos) break;
        names.emplace(src.substr(i + 1, end - i - 1));
        i = end;
      }
    }
    if (!names.empty()) break;
  }
  return names;
}

const std::set<std::string>& native_hooks() {
  static const std::set<std::string> hooks = [] {
    for (std::size_t i = 0; i < exec::k_harness_files_count; ++i) {
      const auto& f = exec::k_harness_files[i];
      if (std::string_view(f.path) == "fastest_worker/hooks.py")
        return parse_native_hooks(std::string_view(reinterpret_cast<const char*>(f.bytes), f.size));
    }
    return std::set<std::string>{};
  }();
  return hooks;
}

}  // namespace fastest::app
