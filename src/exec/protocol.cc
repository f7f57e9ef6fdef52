#include "exec/protocol.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace fastest::exec {
namespace {

using nlohmann::json;

// Every top-level key the controller reads, and how its value is typed. Strings and
// numbers of the wrong JSON type read as their default, as if absent (unknown keys are
// ignored): the same rules for the fast SAX path and the DOM fallback.
enum Field : int {
  // strings
  f_t,
  f_module,
  f_nodeid,
  f_python,
  f_longrepr,
  f_teardown_error,
  f_category,
  f_message,
  f_filename,
  f_name,
  f_value,
  f_text,
  f_outcome,
  f_when,
  f_stdout,
  f_stderr,
  f_log,
  f_head_line,
  k_strings,
  // numbers (seconds)
  f_import_s = k_strings,
  f_duration_s,
  f_setup_s,
  f_call_s,
  f_teardown_s,
  k_numbers_end,
  // integers
  f_batch = k_numbers_end,
  f_protocol,
  f_pid,
  f_line,
  f_lineno,
  f_deselected,
  f_exit_code,
  f_tests,
  f_attempt,
  f_reports,
  f_more,
  k_integers_end,
  // lists of strings
  f_items = k_integers_end,
  f_header,
  f_tree,
  // nested values only the DOM path reads
  f_properties,
  f_xml_attributes,
  f_sections,
  f_live_log,
  f_none,
};
constexpr int k_numbers = k_numbers_end - k_strings;
constexpr int k_integers = k_integers_end - k_numbers_end;
constexpr std::int64_t k_integer_defaults[k_integers] = {-1, 0, 0, 0, 0, 0, 2, 1, 1, 0};

constexpr std::pair<std::string_view, Field> k_fields[] = {
    {"t", f_t},
    {"nodeid", f_nodeid},
    {"batch", f_batch},
    {"outcome", f_outcome},
    {"when", f_when},
    {"setup_s", f_setup_s},
    {"call_s", f_call_s},
    {"teardown_s", f_teardown_s},
    {"longrepr", f_longrepr},
    {"message", f_message},
    {"stdout", f_stdout},
    {"stderr", f_stderr},
    {"log", f_log},
    {"line", f_line},
    {"teardown_error", f_teardown_error},
    {"properties", f_properties},
    {"xml_attributes", f_xml_attributes},
    {"module", f_module},
    {"items", f_items},
    {"import_s", f_import_s},
    {"duration_s", f_duration_s},
    {"deselected", f_deselected},
    {"protocol", f_protocol},
    {"pid", f_pid},
    {"python", f_python},
    {"category", f_category},
    {"filename", f_filename},
    {"lineno", f_lineno},
    {"header", f_header},
    {"tree", f_tree},
    {"exit_code", f_exit_code},
    {"tests", f_tests},
    {"name", f_name},
    {"value", f_value},
    {"text", f_text},
    {"attempt", f_attempt},
    {"reports", f_reports},
    {"more", f_more},
    {"head_line", f_head_line},
    {"sections", f_sections},
    {"live_log", f_live_log},
};

Field field_of(std::string_view key) {
  for (const auto& [name, f] : k_fields)
    if (name == key) return f;
  return f_none;
}

/// The fields of one message as read, before they are given their meaning.
struct Raw {
  std::string strings[k_strings];
  double numbers[k_numbers] = {};
  std::int64_t integers[k_integers];
  std::vector<std::string> items, header, tree;
  Raw() { std::copy(std::begin(k_integer_defaults), std::end(k_integer_defaults), integers); }

  void set_string(Field f, std::string&& v) {
    if (f < k_strings)
      strings[f] = std::move(v);
    else
      set_other(f);
  }
  void set_number(Field f, double v, std::optional<std::int64_t> as_integer) {
    if (f >= k_strings && f < k_numbers_end)
      numbers[f - k_strings] = std::isfinite(v) ? v : 0;
    else if (f >= k_numbers_end && f < k_integers_end)
      integers[f - k_numbers_end] = as_integer.value_or(k_integer_defaults[f - k_numbers_end]);
    else
      set_other(f);
  }
  /// A value of another JSON type (null, bool, or a structure where a scalar is read).
  void set_other(Field f) {
    if (f < k_strings)
      strings[f].clear();
    else if (f < k_numbers_end)
      numbers[f - k_strings] = 0;
    else if (f < k_integers_end)
      integers[f - k_numbers_end] = k_integer_defaults[f - k_numbers_end];
    else if (auto* l = list(f))
      l->clear();
  }
  /// The list of strings field `f` holds, or null.
  std::vector<std::string>* list(Field f) {
    return f == f_items ? &items : f == f_header ? &header : f == f_tree ? &tree : nullptr;
  }
  std::string& str(Field f) { return strings[f]; }
  double num(Field f) const { return numbers[f - k_strings]; }
  std::int64_t integer(Field f) const { return integers[f - k_numbers_end]; }
};

/// SAX reader for the common frames: one flat object of scalars and lists of strings,
/// straight into Raw without building a DOM (no map node or JSON value per key). Gives
/// up on anything else (a nested object, properties, a non-string `value`, malformed
/// input); the DOM path then decodes the frame, with the same result or error.
class FastReader {
 public:
  explicit FastReader(Raw& raw) : m_raw(raw) {}
  bool null() { return scalar_other(); }
  bool boolean(bool) { return scalar_other(); }
  bool number_integer(json::number_integer_t v) { return number(static_cast<double>(v), v); }
  bool number_unsigned(json::number_unsigned_t v) {
    return number(static_cast<double>(v), static_cast<std::int64_t>(v));
  }
  bool number_float(json::number_float_t v, const json::string_t&) { return number(v, std::nullopt); }
  bool string(json::string_t& v) {
    if (m_depth == 2) {
      list().push_back(std::move(v));
      return true;
    }
    if (m_depth != 1) return false;
    if (m_field != f_none) m_raw.set_string(m_field, std::move(v));
    return true;
  }
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) { return m_depth++ == 0; }
  bool key(json::string_t& k) {
    m_field = field_of(k);
    return true;
  }
  bool end_object() {
    --m_depth;
    return true;
  }
  bool start_array(std::size_t) {
    if (m_depth != 1 || !m_raw.list(m_field)) return false;
    list().clear();
    ++m_depth;
    return true;
  }
  bool end_array() {
    --m_depth;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  std::vector<std::string>& list() { return *m_raw.list(m_field); }
  bool number(double v, std::optional<std::int64_t> as_integer) {
    if (m_depth == 2) return true;  // a list keeps only its strings
    if (m_depth != 1 || m_field == f_value || m_field == f_properties || m_field == f_xml_attributes) return false;
    m_raw.set_number(m_field, v, as_integer);
    return true;
  }
  bool scalar_other() {
    if (m_depth == 2) return true;
    if (m_depth != 1 || m_field == f_value || m_field == f_properties || m_field == f_xml_attributes) return false;
    m_raw.set_other(m_field);
    return true;
  }
  Raw& m_raw;
  int m_depth = 0;
  Field m_field = f_none;
};

/// The JSON string at `p` (its opening quote, before `stop`) into `out`, `p` moved past it: ASCII
/// characters, the simple escapes and \u of a code point below 0x80 decoded; false for
/// anything else (a surrogate, a multi-byte character, malformed text), which sax_parse
/// then decides. The flat frames' lexer and the template reader both read strings so.
bool ascii_string(const char*& p, const char* stop, std::string& out) {
  if (p == stop || *p != '"') return false;
  ++p;
  out.clear();
  const char* run = p;
  while (p < stop) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') {
      out.append(run, p);
      ++p;
      return true;
    }
    if (c < 0x20 || c >= 0x80) return false;
    if (c != '\\') {
      ++p;
      continue;
    }
    out.append(run, p);
    if (++p == stop) return false;
    switch (*p++) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        if (stop - p < 4) return false;
        unsigned v = 0;
        auto [end, ec] = std::from_chars(p, p + 4, v, 16);
        if (ec != std::errc() || end != p + 4 || v >= 0x80) return false;
        out += static_cast<char>(v);
        p += 4;
        break;
      }
      default:
        return false;
    }
    run = p;
  }
  return false;
}

/// A lexer for the frames workers send, driving FastReader as json::sax_parse does at a
/// fraction of its cost (nlohmann's lexer copies every byte into a token buffer: ~100
/// instructions per byte, a third of the controller's CPU on a run of trivial tests).
/// It reads only what is plainly JSON: ASCII strings (escapes included), numbers by
/// JSON's grammar, literals, one object of scalars and flat lists. Anything else is
/// `unsure` (a non-ASCII byte, an escape it does not decode, an integer out of range,
/// malformed text) and sax_parse decides; `refused` means FastReader gave up on a value
/// (a nested one), so the DOM path decodes the frame.
class FlatScanner {
 public:
  enum class Result { ok, refused, unsure };

  FlatScanner(std::string_view s, FastReader& r) : m_p(s.data()), m_end(s.data() + s.size()), m_r(r) {}

  Result parse() {
    ws();
    if (!eat('{') || !m_r.start_object(0)) return Result::unsure;
    const Result body = members('}', [&] {
      if (!string_token(m_key) || !m_r.key(m_key)) return Result::unsure;
      ws();
      if (!eat(':')) return Result::unsure;
      ws();
      return value(1);
    });
    if (body != Result::ok) return body;
    m_r.end_object();
    ws();
    return m_p == m_end ? Result::ok : Result::unsure;
  }

 private:
  /// The comma-separated members up to `close` (its opening bracket already read), each
  /// read by `member` from its first character.
  template <class Member>
  Result members(char close, Member member) {
    ws();
    if (eat(close)) return Result::ok;
    for (;;) {
      ws();
      if (Result v = member(); v != Result::ok) return v;
      ws();
      if (eat(',')) continue;
      return eat(close) ? Result::ok : Result::unsure;
    }
  }

  Result value(int depth) {
    if (m_p == m_end) return Result::unsure;
    bool accepted = true;
    switch (*m_p) {
      case '"':
        if (!string_token(m_value)) return Result::unsure;
        accepted = m_r.string(m_value);
        break;
      case '{':
        return Result::refused;  // FastReader reads no nested object
      case '[':
        if (depth != 1) return Result::refused;
        ++m_p;
        if (!m_r.start_array(0)) return Result::refused;
        if (Result v = members(']', [&] { return value(2); }); v != Result::ok) return v;
        m_r.end_array();
        return Result::ok;
      case 't':
        if (!literal("true")) return Result::unsure;
        accepted = m_r.boolean(true);
        break;
      case 'f':
        if (!literal("false")) return Result::unsure;
        accepted = m_r.boolean(false);
        break;
      case 'n':
        if (!literal("null")) return Result::unsure;
        accepted = m_r.null();
        break;
      default:
        return number();
    }
    return accepted ? Result::ok : Result::refused;
  }

  // JSON's number grammar; integers as nlohmann types them (negative: int64, else
  // uint64), anything with a fraction or exponent as a double.
  Result number() {
    const char* start = m_p;
    if (m_p < m_end && *m_p == '-') ++m_p;
    if (m_p == m_end || !digit(*m_p)) return Result::unsure;
    if (*m_p == '0')
      ++m_p;
    else
      while (m_p < m_end && digit(*m_p)) ++m_p;
    bool is_float = false;
    if (m_p < m_end && *m_p == '.') {
      is_float = true;
      ++m_p;
      if (m_p == m_end || !digit(*m_p)) return Result::unsure;
      while (m_p < m_end && digit(*m_p)) ++m_p;
    }
    if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
      is_float = true;
      ++m_p;
      if (m_p < m_end && (*m_p == '+' || *m_p == '-')) ++m_p;
      if (m_p == m_end || !digit(*m_p)) return Result::unsure;
      while (m_p < m_end && digit(*m_p)) ++m_p;
    }
    bool accepted = false;
    if (is_float) {
      double v = 0;
      auto [end, ec] = std::from_chars(start, m_p, v);
      if (ec != std::errc() || end != m_p) return Result::unsure;  // out of range: nlohmann's rules
      accepted = m_r.number_float(v, m_no_text);
    } else if (*start == '-') {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(start, m_p, v);
      if (ec != std::errc() || end != m_p) return Result::unsure;
      accepted = m_r.number_integer(v);
    } else {
      std::uint64_t v = 0;
      auto [end, ec] = std::from_chars(start, m_p, v);
      if (ec != std::errc() || end != m_p) return Result::unsure;
      accepted = m_r.number_unsigned(v);
    }
    return accepted ? Result::ok : Result::refused;
  }

  bool string_token(std::string& out) { return ascii_string(m_p, m_end, out); }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(m_end - m_p) < word.size() || std::string_view(m_p, word.size()) != word) return false;
    m_p += word.size();
    return true;
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  void ws() {
    while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t')) ++m_p;
  }
  bool eat(char c) {
    if (m_p == m_end || *m_p != c) return false;
    ++m_p;
    return true;
  }

  const char* m_p;
  const char* m_end;
  FastReader& m_r;
  std::string m_key, m_value;
  const json::string_t m_no_text;
};

/// `[[name, value], ...]`; a value that is not a string is shown as its JSON text.
std::vector<std::pair<std::string, std::string>> pairs(const json& j, const char* key) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  auto text = [](const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  for (const auto& p : *it)
    if (p.is_array() && p.size() == 2) out.emplace_back(text(p[0]), text(p[1]));
  return out;
}

/// `[category, letter, word, colour]` (missing or non-string parts empty); nullopt when
/// `v` is not a list.
std::optional<base::ReportStatus> report_status(const json& v) {
  if (!v.is_array()) return std::nullopt;
  auto part = [&](std::size_t i) { return i < v.size() && v[i].is_string() ? v[i].get<std::string>() : ""; };
  return base::ReportStatus{part(0), part(1), part(2), part(3)};
}

/// `subreports`: one entry per object; an unknown outcome reads as an error, as a result's.
std::vector<base::SubReport> subreports(const json& j) {
  std::vector<base::SubReport> out;
  auto it = j.find("subreports");
  if (it == j.end() || !it->is_array()) return out;
  auto text = [](const json& o, const char* key) {
    auto f = o.find(key);
    return f != o.end() && f->is_string() ? f->get<std::string>() : std::string();
  };
  for (const auto& o : *it) {
    if (!o.is_object()) continue;
    base::SubReport s;
    s.outcome = base::parse_outcome(text(o, "outcome")).value_or(base::Outcome::error);
    if (auto st = o.find("status"); st != o.end())
      if (auto rs = report_status(*st)) s.status = std::move(*rs);
    s.when = text(o, "when");
    s.longrepr = text(o, "longrepr");
    s.message = text(o, "message");
    s.head_line = text(o, "head_line");
    s.sections = pairs(o, "sections");
    if (auto d = o.find("duration_s"); d != o.end() && d->is_number()) s.duration_s = d->get<double>();
    if (auto c = o.find("captured"); c != o.end() && c->is_boolean()) s.captured = c->get<bool>();
    out.push_back(std::move(s));
  }
  return out;
}

/// The DOM path: every key read by the same rules as FastReader, plus the nested values.
bool read_dom(std::string_view payload, Raw& raw, WorkerMessage& m) {
  json j = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return false;
  for (auto& [key, v] : j.items()) {
    const Field f = field_of(key);
    if (f == f_none) continue;
    if (v.is_string()) {
      raw.set_string(f, v.get<std::string>());
    } else if (v.is_number()) {
      std::optional<std::int64_t> as_integer;
      if (v.is_number_integer()) as_integer = v.get<std::int64_t>();
      raw.set_number(f, v.get<double>(), as_integer);
    } else if (auto* list = raw.list(f); list && v.is_array()) {
      list->clear();
      for (const auto& item : v)
        if (item.is_string()) list->push_back(item.get<std::string>());
    } else {
      raw.set_other(f);
    }
  }
  m.result.properties = pairs(j, "properties");
  m.result.xml_attributes = pairs(j, "xml_attributes");
  m.result.sections = pairs(j, "sections");
  m.result.live_log = pairs(j, "live_log");
  if (auto it = j.find("status"); it != j.end())
    if (auto st = report_status(*it)) m.result.status = std::make_shared<const base::ReportStatus>(std::move(*st));
  m.result.subreports = subreports(j);
  // record_testsuite_property str()s its value; a worker sending the raw JSON value is shown as such.
  if (auto it = j.find("value"); it != j.end() && !it->is_string() && !it->is_null())
    raw.str(f_value) = it->dump(-1, ' ', false, json::error_handler_t::replace);
  return true;
}

constexpr std::pair<std::string_view, MessageType> k_types[] = {
    {"ready", MessageType::ready},
    {"collected", MessageType::collected},
    {"collect_error", MessageType::collect_error},
    {"start", MessageType::start},
    {"result", MessageType::result},
    {"warning", MessageType::warning},
    {"batch_done", MessageType::batch_done},
    {"configured", MessageType::configured},
    {"fatal", MessageType::fatal},
    {"suite_property", MessageType::suite_property},
    {"info", MessageType::info},
    {"rerun", MessageType::rerun},
    {"held", MessageType::held},
    {"terminal_summary", MessageType::terminal_summary},
    {"summary_stats", MessageType::summary_stats},
};

void fill_result(Raw& raw, WorkerMessage& m) {
  auto& r = m.result;
  r.node_id = m.nodeid;
  const std::string& outcome_text = raw.str(f_outcome);
  auto outcome = base::parse_outcome(outcome_text);
  r.outcome = outcome.value_or(base::Outcome::error);
  r.setup_s = raw.num(f_setup_s);
  r.call_s = raw.num(f_call_s);
  r.teardown_s = raw.num(f_teardown_s);
  r.longrepr = m.longrepr;
  r.message = m.message;
  r.teardown_error = m.teardown_error;
  r.captured_stdout = std::move(raw.str(f_stdout));
  r.captured_stderr = std::move(raw.str(f_stderr));
  r.captured_log = std::move(raw.str(f_log));
  r.when = std::move(raw.str(f_when));
  r.line = m.line;
  r.attempt = static_cast<int>(std::clamp<std::int64_t>(raw.integer(f_attempt), 1, 1 << 20));
  r.head_line = std::move(raw.str(f_head_line));
  r.reports = static_cast<int>(std::clamp<std::int64_t>(raw.integer(f_reports), 1, 2));
  if (!outcome) r.longrepr = "worker reported unknown outcome '" + outcome_text + "'\n" + r.longrepr;
}

/// Gives the fields their meaning; moves the strings out of `raw`.
base::Status finish(Raw& raw, WorkerMessage& m) {
  m.type_name = std::move(raw.str(f_t));
  for (const auto& [name, type] : k_types)
    if (name == m.type_name) m.type = type;
  m.batch = raw.integer(f_batch);
  m.protocol = static_cast<int>(raw.integer(f_protocol));
  m.pid = raw.integer(f_pid);
  m.python = std::move(raw.str(f_python));
  m.module = std::move(raw.str(f_module));
  m.nodeid = std::move(raw.str(f_nodeid));
  m.longrepr = std::move(raw.str(f_longrepr));
  m.teardown_error = std::move(raw.str(f_teardown_error));
  m.line = static_cast<int>(raw.integer(f_line));
  m.import_s = raw.num(f_import_s);
  m.duration_s = raw.num(f_duration_s);
  m.category = std::move(raw.str(f_category));
  m.message = std::move(raw.str(f_message));
  m.filename = std::move(raw.str(f_filename));
  m.lineno = static_cast<int>(raw.integer(f_lineno));
  m.items = std::move(raw.items);
  m.tree = std::move(raw.tree);
  m.deselected = std::max<std::int64_t>(0, raw.integer(f_deselected));
  m.header = std::move(raw.header);
  m.exit_code = static_cast<int>(raw.integer(f_exit_code));
  m.tests = std::max<std::int64_t>(0, raw.integer(f_tests));
  m.more = std::clamp<std::int64_t>(raw.integer(f_more), 0, 1 << 20);
  m.name = std::move(raw.str(f_name));
  m.value = std::move(raw.str(f_value));
  m.text = std::move(raw.str(f_text));
  if (m.type == MessageType::fatal) m.result.when = std::move(raw.str(f_when));
  if (m.type == MessageType::result || m.type == MessageType::rerun) {
    if (m.nodeid.empty()) return base::make_error(base::ErrorCode::protocol, m.type_name + " without nodeid");
    fill_result(raw, m);
  }
  if ((m.type == MessageType::start) && m.nodeid.empty())
    return base::make_error(base::ErrorCode::protocol, "start without nodeid");
  return base::ok_status();
}

/// The two frames a trivial test costs, as the native worker builds them from templates
/// (proto.py: start_frame, passed_frame), read by position: fixed text, a plain integer,
/// an ASCII id (as the flat lexer reads strings), plain decimal durations. Anything else (another key order,
/// a non-ASCII byte, an exponent) returns false and the frame takes the
/// general path, which reads such frames the same way (ProtocolDecode.TemplateFrames...).
class TemplateReader {
 public:
  explicit TemplateReader(std::string_view s) : m_p(s.data()), m_end(s.data() + s.size()) {}

  bool read(Raw& raw) {
    if (!lit(R"({"t":")")) return false;
    bool result = false;
    if (lit(R"(start",)"))
      raw.str(f_t) = "start";
    else if (lit(R"(result",)"))
      result = true;
    else
      return false;
    if (!lit(R"("batch":)") || !integer(raw.integers[f_batch - k_numbers_end]) || !lit(R"(,"nodeid":)") ||
        !ascii_string(m_p, m_end, raw.str(f_nodeid)))
      return false;
    if (!result) return lit("}") && m_p == m_end;
    if (!lit(R"(,"outcome":"passed","when":"call","longrepr":"","message":"","setup_s":)") ||
        !seconds(raw.numbers[f_setup_s - k_strings]) || !lit(R"(,"call_s":)") ||
        !seconds(raw.numbers[f_call_s - k_strings]) || !lit(R"(,"teardown_s":)") ||
        !seconds(raw.numbers[f_teardown_s - k_strings]) || !lit(R"(,"stdout":"","stderr":"","log":"","line":)") ||
        !integer(raw.integers[f_line - k_numbers_end]) || !lit("}") || m_p != m_end)
      return false;
    raw.str(f_t) = "result";
    raw.str(f_outcome) = "passed";
    raw.str(f_when) = "call";
    return true;
  }

 private:
  bool lit(std::string_view text) {
    if (static_cast<std::size_t>(m_end - m_p) < text.size() || std::memcmp(m_p, text.data(), text.size()) != 0)
      return false;
    m_p += text.size();
    return true;
  }
  /// JSON's digits (no leading zero), at most 18 of them: an int64 either path reads alike.
  std::size_t digits() {
    const char* start = m_p;
    while (m_p < m_end && *m_p >= '0' && *m_p <= '9') ++m_p;
    const auto n = static_cast<std::size_t>(m_p - start);
    return (n > 1 && *start == '0') || n > 18 ? 0 : n;
  }
  bool integer(std::int64_t& out) {
    const char* start = m_p;
    if (digits() == 0) return false;
    return std::from_chars(start, m_p, out).ec == std::errc();
  }
  /// `-?digits(.digits)?`, parsed as the general path parses it (from_chars).
  bool seconds(double& out) {
    const char* start = m_p;
    if (m_p < m_end && *m_p == '-') ++m_p;
    if (digits() == 0) return false;
    if (m_p < m_end && *m_p == '.') {
      ++m_p;
      const char* frac = m_p;
      while (m_p < m_end && *m_p >= '0' && *m_p <= '9') ++m_p;
      if (m_p == frac) return false;
    }
    auto [end, ec] = std::from_chars(start, m_p, out);
    return ec == std::errc() && end == m_p && std::isfinite(out);
  }

  const char* m_p;
  const char* m_end;
};

}  // namespace

std::string encode_frame(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 4);
  auto n = static_cast<std::uint32_t>(payload.size());
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(payload);
  return out;
}

void FrameReader::append(const char* data, std::size_t size) {
  // Compact lazily so a long stream of small frames does not grow the buffer forever.
  if (m_pos > 0 && m_pos >= m_buf.size() / 2) {
    m_buf.erase(0, m_pos);
    m_pos = 0;
  }
  m_buf.append(data, size);
}

base::Result<std::optional<std::string>> FrameReader::next() {
  auto view = next_view();
  if (!view.ok()) return view.error();
  if (!view.value()) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*view.value()));
}

base::Result<std::optional<std::string_view>> FrameReader::next_view() {
  if (pending() < 4) return std::optional<std::string_view>();
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(m_buf[m_pos + i])); };
  std::uint32_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  if (n > k_max_frame_bytes)
    return base::make_error(base::ErrorCode::protocol, "frame of " + std::to_string(n) + " bytes exceeds the limit");
  if (pending() < 4 + static_cast<std::size_t>(n)) return std::optional<std::string_view>();
  std::string_view payload(m_buf.data() + m_pos + 4, n);
  m_pos += 4 + n;
  return std::optional<std::string_view>(payload);
}

base::Result<WorkerMessage> decode_message(std::string_view payload) {
  WorkerMessage m;
  if (auto st = decode_message_into(payload, m); !st) return st.error();
  return m;
}

base::Status decode_message_into(std::string_view payload, WorkerMessage& m) {
  bool nested = false;
  {
    Raw raw;
    if (TemplateReader(payload).read(raw)) return finish(raw, m);
  }
  {
    Raw raw;
    FastReader reader(raw);
    const FlatScanner::Result r = FlatScanner(payload, reader).parse();
    if (r == FlatScanner::Result::ok) return finish(raw, m);
    nested = r == FlatScanner::Result::refused;
  }
  if (!nested) {
    Raw raw;
    FastReader reader(raw);
    if (json::sax_parse(payload.begin(), payload.end(), &reader)) return finish(raw, m);
  }
  Raw raw;
  if (!read_dom(payload, raw, m))
    return base::make_error(base::ErrorCode::protocol, "worker sent a frame that is not a JSON object");
  return finish(raw, m);
}

std::string encode_config(const WorkerConfig& cfg) {
  json ini = json::parse(cfg.ini_json, nullptr, false);
  if (ini.is_discarded() || !ini.is_object()) ini = json::object();
  json options = json::parse(cfg.options_json, nullptr, false);
  if (options.is_discarded() || !options.is_object()) options = json::object();
  json j = {{"t", "config"},
            {"protocol", k_protocol_version},
            {"rootdir", cfg.rootdir},
            {"capture", cfg.capture},
            {"import_mode", cfg.import_mode},
            {"keyword", cfg.keyword},
            {"markexpr", cfg.markexpr},
            {"verbose", cfg.verbose},
            {"exitfirst", cfg.exitfirst},
            {"run_xfail", cfg.run_xfail},
            {"basetemp", cfg.basetemp},
            {"cache_dir", cfg.cache_dir},
            {"ini", ini},
            {"engine", cfg.engine},
            {"args", cfg.args},
            {"invocation_dir", cfg.invocation_dir},
            {"argv", cfg.argv},
            {"options", options},
            {"worker_id", cfg.worker_id},
            {"worker_count", cfg.worker_count}};
  if (cfg.hold_last) j["hold_last"] = true;
  if (cfg.reruns > 0) {
    j["reruns"] = cfg.reruns;
    j["reruns_delay"] = cfg.reruns_delay;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_run(std::int64_t batch, std::string_view module, const std::vector<std::string>& select,
                       bool collect_only, const std::vector<std::string>& first,
                       const std::vector<std::pair<std::string, int>>& attempts,
                       const std::vector<std::string>& conftests) {
  json j = {{"t", "run"}, {"batch", batch}, {"module", std::string(module)}, {"select", select}};
  if (collect_only) j["collect_only"] = true;
  if (!first.empty()) j["first"] = first;
  if (!conftests.empty()) j["conftests"] = conftests;
  if (!attempts.empty()) {
    json a = json::object();
    for (const auto& [id, n] : attempts) a[id] = n;
    j["attempts"] = a;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_shutdown(bool stop, bool interrupted) {
  if (interrupted) return R"({"t":"shutdown","stop":true,"interrupted":true})";
  return stop ? R"({"t":"shutdown","stop":true})" : R"({"t":"shutdown"})";
}

std::string encode_summary_stats(const std::vector<std::string>& parts) {
  std::size_t total = 0;
  for (const auto& p : parts) total += p.size();
  // Room for the escaping of a JSON text inside a JSON string.
  json j = {{"t", "summary_stats"}, {"parts", total < k_max_frame_bytes / 3 ? parts : std::vector<std::string>{}}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace fastest::exec
