// `fastest stats --html`: one self-contained page, inline CSS and SVG, no network.
#include <algorithm>
#include <cstdio>

#include "report/junit.h"
#include "report/stats_view.h"

namespace fastest::report {
namespace {

std::string num(double v, const char* f = "%.3f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

const char* k_palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"};

std::string timeline_svg(const StatsModel& m) {
  if (m.timeline.empty()) return "<p>No batch timeline recorded for this run.</p>";
  int workers = 0;
  double end = 0;
  for (const auto& s : m.timeline) {
    workers = std::max(workers, s.worker + 1);
    end = std::max(end, s.end_s);
  }
  const double w = 960, lane = 28, left = 80;
  const double scale = end > 0 ? (w - left - 10) / end : 1;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w, "%.0f") + "\" height=\"" +
                    num(lane * workers + 30, "%.0f") + "\" role=\"img\" aria-label=\"per-worker timeline\">";
  for (int k = 0; k < workers; ++k)
    svg +=
        "<text x=\"4\" y=\"" + num(lane * k + 18, "%.0f") + "\" class=\"lbl\">worker " + std::to_string(k) + "</text>";
  std::size_t i = 0;
  for (const auto& s : m.timeline) {
    double x = left + s.start_s * scale, width = std::max(1.0, (s.end_s - s.start_s) * scale);
    svg += "<rect x=\"" + num(x) + "\" y=\"" + num(lane * s.worker + 4) + "\" width=\"" + num(width) + "\" height=\"" +
           num(lane - 8) + "\" fill=\"" + k_palette[i++ % 8] + "\"><title>" + xml_escape(s.module) + ": " +
           num(s.end_s - s.start_s, "%.3f") + " s, " + std::to_string(s.tests) + " tests (" + num(s.start_s, "%.2f") +
           " to " + num(s.end_s, "%.2f") + " s)</title></rect>";
  }
  double axis_y = lane * workers + 20;
  for (int t = 0; t <= 10; ++t) {
    double at = end * t / 10;
    svg += "<text x=\"" + num(left + at * scale) + "\" y=\"" + num(axis_y) + "\" class=\"tick\">" + num(at, "%.1f") +
           "s</text>";
  }
  return svg + "</svg>";
}

std::string duration_chart(const StatsModel& m) {
  if (m.slowest_tests.empty()) return "<p>No durations recorded yet.</p>";
  double top = 0;
  for (const auto& t : m.slowest_tests) top = std::max(top, t.estimate_s + t.spread_s);
  const double bar_w = 560, row = 22;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"" +
                    num(row * static_cast<double>(m.slowest_tests.size()) + 10, "%.0f") +
                    "\" role=\"img\" aria-label=\"slowest tests\">";
  double y = 4;
  for (const auto& t : m.slowest_tests) {
    double len = top > 0 ? t.estimate_s / top * bar_w : 0;
    double spread = top > 0 ? t.spread_s / top * bar_w : 0;
    svg += "<rect x=\"390\" y=\"" + num(y) + "\" width=\"" + num(std::max(1.0, len)) +
           "\" height=\"14\" fill=\"#4e79a7\"><title>" + xml_escape(t.node_id) + ": median " + num(t.estimate_s) +
           " s, spread " + num(t.spread_s) + " s</title></rect>";
    svg += "<line x1=\"" + num(390 + len) + "\" x2=\"" + num(390 + len + spread) + "\" y1=\"" + num(y + 7) +
           "\" y2=\"" + num(y + 7) + "\" stroke=\"#e15759\" stroke-width=\"2\"/>";
    std::string label = t.node_id.size() > 60 ? "..." + t.node_id.substr(t.node_id.size() - 57) : t.node_id;
    svg +=
        "<text x=\"385\" y=\"" + num(y + 12) + "\" class=\"lbl\" text-anchor=\"end\">" + xml_escape(label) + "</text>";
    y += row;
  }
  return svg + "</svg>";
}

std::string runs_table(const StatsModel& m) {
  std::string t =
      "<table><tr><th>run</th><th>workers</th><th>schedule</th><th>predicted</th><th>actual</th>"
      "<th>floor</th><th>balance</th><th>passed</th><th>failed</th></tr>";
  for (const auto& r : m.runs)
    t += "<tr><td>" + std::to_string(r.id) + "</td><td>" + std::to_string(r.workers) + "</td><td>" +
         xml_escape(r.schedule) + "</td><td>" + num(r.predicted_s, "%.2f s") + "</td><td>" +
         (r.actual_s ? num(*r.actual_s, "%.2f s") : "unfinished") + "</td><td>" + num(r.lower_bound_s, "%.2f s") +
         "</td><td>" + num(r.balance * 100, "%.0f%%") + "</td><td>" + std::to_string(r.passed) + "</td><td>" +
         std::to_string(r.failed) + "</td></tr>";
  return t + "</table>";
}

}  // namespace

std::string render_stats_html(const StatsModel& m) {
  std::string html =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>fastest stats</title><style>"
      "body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
      ".lbl{font:11px monospace;fill:#333}.tick{font:10px sans-serif;fill:#666}pre{background:#f6f6f6;padding:8px}"
      "</style></head><body><h1>fastest stats</h1><p>" +
      xml_escape(m.db_path) + "</p>";
  if (!m.runs.empty()) {
    const auto& r = m.runs.front();
    Floor f = compute_floor(m, r.workers);
    html += "<h2>Last run: per-worker timeline</h2><p>run " + std::to_string(r.id) + ", " + std::to_string(r.workers) +
            " workers, " + xml_escape(r.schedule) + " schedule, makespan " +
            (r.actual_s ? num(*r.actual_s, "%.2f s") : std::string("unfinished")) + " (predicted " +
            num(r.predicted_s, "%.2f s") + ", floor " + num(f.floor_s, "%.2f s") + ", set by " + xml_escape(f.set_by) +
            "); suggested workers: " + std::to_string(f.suggested_workers) + "</p>";
    html += timeline_svg(m);
  }
  html += "<h2>Slowest tests (median, red = spread)</h2>" + duration_chart(m);
  html += "<h2>Last runs</h2>" + runs_table(m);
  html += "<h2>All figures</h2><pre>" + xml_escape(render_stats_text(m)) + "</pre></body></html>\n";
  return html;
}

}  // namespace fastest::report
