#include "app/pyargs.h"

#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace fastest::app {
namespace {

// _pytest/main.py search_pypath over every name; the answer is the last line, after
// whatever importing the packages printed.
constexpr const char* k_query = R"PY(
import importlib.util, json, os, sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
out = []
for name in sys.argv[1:]:
    try:
        spec = importlib.util.find_spec(name)
    except (AttributeError, ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None or spec.origin == "namespace":
        out.append(None)
    elif spec.submodule_search_locations:
        out.append(os.path.dirname(spec.origin))
    else:
        out.append(spec.origin)
sys.stdout.flush()
print("\n" + json.dumps(out))
)PY";

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The path part as pytest splits it: before any '[' and the first "::".
std::string path_part(const std::string& arg) {
  std::string base = arg.substr(0, arg.find('['));
  return base.substr(0, base.find("::"));
}

}  // namespace

base::Result<std::vector<std::string>> resolve_pyargs(const std::string& python, const std::vector<std::string>& args) {
  if (args.empty()) return args;
  std::string cmd = quote(python) + " -c " + quote(k_query);
  for (const auto& a : args) cmd += " " + quote(path_part(a));
  cmd += " </dev/null 2>/dev/null";
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return base::make_error(base::ErrorCode::usage, "--pyargs: cannot run " + python);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  int status = ::pclose(f);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  auto answer = nlohmann::json::parse(out.substr(out.rfind('\n') + 1), nullptr, false);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !answer.is_array() || answer.size() != args.size())
    return base::make_error(base::ErrorCode::usage, "--pyargs: " + python + " could not look the names up");
  std::vector<std::string> resolved = args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!answer[i].is_string()) continue;
    resolved[i] = answer[i].get<std::string>() + args[i].substr(path_part(args[i]).size());
  }
  return resolved;
}

}  // namespace fastest::app
