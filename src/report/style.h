#pragma once
// Colour as pytest's TerminalWriter writes it: SGR codes in the markup's order, one reset.

#include <cstdlib>
#include <string>
#include <string_view>

namespace fastest::report {

enum class Color : int { none = 0, red = 31, green = 32, yellow = 33, cyan = 36 };

/// pytest's markup dict: a colour and/or bold, written colour first ("\x1b[31m\x1b[1m").
struct Markup {
  Color color = Color::none;
  bool bold = false;
};

class Painter {
 public:
  explicit Painter(bool enabled = false) : m_on(enabled) {}
  bool enabled() const { return m_on; }
  /// `text` wrapped in the markup's codes and a reset, or as is when colour is off.
  std::string paint(std::string_view text, Markup m) const {
    std::string on = codes(m);
    if (on.empty()) return std::string(text);
    return on + std::string(text) + "\x1b[0m";
  }
  /// The opening codes alone ("" when off).
  std::string codes(Markup m) const {
    if (!m_on) return "";
    std::string out;
    if (m.color != Color::none) out += "\x1b[" + std::to_string(static_cast<int>(m.color)) + "m";
    if (m.bold) out += "\x1b[1m";
    return out;
  }

 private:
  bool m_on;
};

/// pytest's _color_for_type: failed/error red, passed green, warnings and the rest yellow.
inline Color color_for(std::string_view word) {
  if (word == "failed" || word == "error" || word == "errors") return Color::red;
  if (word == "passed") return Color::green;
  return Color::yellow;
}

/// The environment half of pytest's should_do_markup and --color: PY_COLORS=1/0 first,
/// then NO_COLOR, then FORCE_COLOR, then a terminal that is not TERM=dumb. `--color yes`
/// and `no` win over all of it, as pytest's config does.
inline bool want_color(std::string_view option, bool isatty, const char* (*getenv_fn)(const char*) = nullptr) {
  auto env = [&](const char* name) -> const char* { return getenv_fn ? getenv_fn(name) : std::getenv(name); };
  if (option == "yes") return true;
  if (option == "no") return false;
  if (const char* p = env("PY_COLORS"); p && std::string_view(p) == "1") return true;
  if (const char* p = env("PY_COLORS"); p && std::string_view(p) == "0") return false;
  if (env("NO_COLOR")) return false;
  if (env("FORCE_COLOR")) return true;
  const char* term = env("TERM");
  return isatty && !(term && std::string_view(term) == "dumb");
}

}  // namespace fastest::report
