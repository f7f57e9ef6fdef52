#include "report/live_display.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fastest::report {
namespace {

/// East Asian wide and emoji blocks take two columns (a conservative wcwidth).
bool is_wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3FFFD);
}

/// One display cell group: the bytes to write and their width.
struct Glyph {
  std::string bytes;
  std::size_t width;
};

/// Splits `s` into safe glyphs: valid printable UTF-8 as is, everything else "\xNN".
std::vector<Glyph> glyphs(std::string_view s) {
  std::vector<Glyph> out;
  out.reserve(s.size());
  auto escaped = [&](unsigned char b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", b);
    out.push_back({buf, 4});
  };
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7f)
        escaped(b);
      else
        out.push_back({std::string(1, static_cast<char>(b)), 1});
      ++i;
      continue;
    }
    std::size_t n = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
    bool ok = n > 0 && i + n <= s.size();
    char32_t cp = n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
    for (std::size_t k = 1; ok && k < n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Overlong forms, surrogates, out of range and C1 controls (0x9b is a CSI) are escaped.
    if (ok)
      ok = !(n == 3 && cp < 0x800) && !(n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) && !(cp >= 0xD800 && cp <= 0xDFFF) &&
           !(cp >= 0x80 && cp < 0xA0);
    if (!ok) {
      escaped(b);
      ++i;
      continue;
    }
    out.push_back({std::string(s.substr(i, n)), is_wide(cp) ? 2u : 1u});
    i += n;
  }
  return out;
}

}  // namespace

std::string fit_line(std::string_view s, std::size_t cols, bool keep_end) {
  auto g = glyphs(s);
  std::size_t total = 0;
  for (const auto& x : g) total += x.width;
  std::string out;
  if (total <= cols) {
    for (const auto& x : g) out += x.bytes;
    return out;
  }
  if (cols < 4) return std::string(cols, '.');
  std::size_t room = cols - 3, used = 0;
  if (keep_end) {
    std::size_t first = g.size();
    while (first > 0 && used + g[first - 1].width <= room) used += g[--first].width;
    out = "...";
    for (std::size_t k = first; k < g.size(); ++k) out += g[k].bytes;
    return out;
  }
  for (const auto& x : g) {
    if (used + x.width > room) break;
    used += x.width;
    out += x.bytes;
  }
  return out + "...";
}

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
      std::size_t end = s.find_first_of("ABCDHJKm", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 1;
      continue;
    }
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    char32_t cp = b;
    if (n > 1 && i + n <= s.size()) {
      cp = n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    w += is_wide(cp) ? 2 : 1;
    i += n;
  }
  return w;
}

std::string clock_text(double seconds) {
  auto t = static_cast<long>(std::max(0.0, std::round(seconds)));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

std::string eta_text(double seconds) {
  // Tenths while they matter (the last seconds), whole seconds, then a clock.
  char buf[32];
  if (seconds < 10) {
    std::snprintf(buf, sizeof buf, "%.1fs", std::max(0.0, seconds));
    return buf;
  }
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.0fs", seconds);
    return buf;
  }
  return clock_text(seconds);
}

LiveDisplay::LiveDisplay(TerminalDevice& term, const base::Clock& clock, LiveOptions opts)
    : m_term(term), m_clock(clock), m_opts(opts), m_paint(opts.color), m_t0(clock.now_seconds()) {}

void LiveDisplay::plan(std::vector<double> batch_costs, int workers, bool show_eta) {
  std::lock_guard lock(m_mu);
  m_opts.show_eta = show_eta;
  m_workers = std::max(1, workers);
  m_model.plan(std::move(batch_costs), m_workers, show_eta);
}

void LiveDisplay::batch_started(std::int64_t batch, std::int64_t origin, int worker) {
  std::lock_guard lock(m_mu);
  m_model.started(batch, origin, worker, m_clock.now_seconds());
}

void LiveDisplay::batch_collected(std::int64_t batch, std::size_t items) {
  std::lock_guard lock(m_mu);
  m_model.collected(batch, items);
}

void LiveDisplay::result(const base::TestResult& r) {
  std::lock_guard lock(m_mu);
  m_model.result(r.batch);
  ++m_counts[std::string(base::summary_word(r.outcome))];
  if (!r.teardown_error.empty()) ++m_counts["error"];
}

void LiveDisplay::batch_done(std::int64_t batch) {
  std::lock_guard lock(m_mu);
  m_model.finished(batch, m_clock.now_seconds());
}

void LiveDisplay::set_running(const std::vector<WorkerActivity>& running) {
  std::lock_guard lock(m_mu);
  m_running = running;
}

void LiveDisplay::print_above(std::string_view text) {
  std::lock_guard lock(m_mu);
  if (m_closed || m_drawn.empty()) {
    m_term.write(text);
    return;
  }
  m_pending += text;
  // A flood of -v lines must not wait for the next frame in memory.
  if (m_pending.size() > (64u << 10)) draw_locked(true);
}

void LiveDisplay::tick() {
  std::lock_guard lock(m_mu);
  draw_locked(false);
}

void LiveDisplay::close() {
  std::lock_guard lock(m_mu);
  if (m_closed) return;
  m_closed = true;
  std::string out = m_drawn.empty() ? std::string() : erase_sequence(m_term.columns());
  out += m_pending;
  m_pending.clear();
  m_drawn.clear();
  if (!out.empty()) m_term.write(out);
}

std::string LiveDisplay::erase_sequence(int width) const {
  if (m_single_line) return "\r\x1b[K";
  // After a resize a line drawn at the old width may wrap onto several rows now.
  std::size_t rows = 0;
  for (std::size_t w : m_drawn) {
    std::size_t cols = static_cast<std::size_t>(std::max(1, width));
    rows += std::max<std::size_t>(1, (w + cols - 1) / cols);
  }
  std::string out = "\r";
  if (rows > 1) out += "\x1b[" + std::to_string(rows - 1) + "A";
  return out + "\x1b[J";
}

void LiveDisplay::draw_locked(bool force) {
  if (m_closed) return;
  double now = m_clock.now_seconds();
  if (!force && now - m_last_draw < m_opts.interval_s) return;
  m_last_draw = now;
  const int width = std::max(1, m_term.columns());
  std::string out = m_drawn.empty() ? std::string() : erase_sequence(width);
  out += m_pending;
  m_pending.clear();
  auto lines = render(width);
  m_single_line = width < m_opts.min_columns;
  m_drawn.clear();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += (i ? "\n" : "") + lines[i];
    m_drawn.push_back(std::max<std::size_t>(1, display_width(lines[i])));
  }
  if (m_single_line) out += "\x1b[K";
  ++m_frames;
  m_term.write(out);
}

std::string LiveDisplay::counts_text(bool colored) const {
  static const char* k_order[] = {"failed", "passed", "flaky", "skipped", "xfailed", "xpassed", "error"};
  std::string out;
  for (const char* w : k_order) {
    auto it = m_counts.find(w);
    if (it == m_counts.end() || it->second == 0) continue;
    std::string word = std::to_string(it->second) + " " + w;
    if (std::string_view(w) == "error" && it->second > 1) word += "s";
    out += (out.empty() ? "" : ", ") + (colored ? m_paint.paint(word, {color_for(w), false}) : word);
  }
  return out.empty() ? "no tests finished" : out;
}

std::vector<std::string> LiveDisplay::render(int width) {
  const double now = m_clock.now_seconds();
  const double frac = m_model.fraction(now);
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(frac * 100));
  std::string times = clock_text(now - m_t0);
  if (m_opts.show_eta || m_model.batches_done() > 0) times += " ETA " + eta_text(m_model.eta_s(now));
  const auto cols = static_cast<std::size_t>(std::max(1, width - 1));
  if (width < m_opts.min_columns) {
    // One line: the percentage, the counts as letters' worth of words, the times.
    std::string plain = std::string(pct) + " " + counts_text(false) + " " + times;
    return {fit_line(plain, cols)};
  }
  std::string tail = std::string(" ") + pct + "  " + counts_text(false) + "  " + times;
  std::size_t tail_w = display_width(tail);
  std::string first;
  if (tail_w + 12 <= cols) {
    std::size_t bar = std::min<std::size_t>(40, cols - tail_w - 2);
    auto full = static_cast<std::size_t>(frac * static_cast<double>(bar));
    std::string filled, empty;
    for (std::size_t i = 0; i < full; ++i) filled += m_opts.unicode ? "\u2588" : "#";
    for (std::size_t i = full; i < bar; ++i) empty += m_opts.unicode ? "\u2591" : "-";
    Color bar_color = m_counts.count("failed") || m_counts.count("error") ? Color::red : Color::green;
    first =
        "[" + m_paint.paint(filled, {bar_color, false}) + empty + "] " + pct + "  " + counts_text(true) + "  " + times;
  } else {
    first = fit_line(tail.substr(1), cols);
  }
  std::vector<std::string> lines{first};
  std::vector<const WorkerActivity*> busy(static_cast<std::size_t>(m_workers), nullptr);
  for (const auto& a : m_running)
    if (a.worker >= 0 && a.worker < m_workers) busy[static_cast<std::size_t>(a.worker)] = &a;
  const int shown = std::min(m_workers, m_opts.max_worker_lines);
  for (int w = 0; w < shown; ++w) {
    const WorkerActivity* a = busy[static_cast<std::size_t>(w)];
    std::string head = " gw" + std::to_string(w) + " ";
    if (!a) {
      lines.push_back(head + "idle");
      continue;
    }
    const double ran = now - a->since_s;
    char buf[32];
    std::snprintf(buf, sizeof buf, " %.1fs", std::max(0.0, ran));
    std::string secs = ran < 60 ? std::string(buf) : " " + clock_text(ran);
    std::size_t room = cols > head.size() + secs.size() ? cols - head.size() - secs.size() : 4;
    lines.push_back(head + fit_line(a->node_id, room, true) + secs);
  }
  if (m_workers > shown) lines.push_back(" ... " + std::to_string(m_workers - shown) + " more workers");
  return lines;
}

}  // namespace fastest::report
