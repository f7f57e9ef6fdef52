#include "exec/protocol.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace fastest::exec {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double num(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  double v = it->get<double>();
  return std::isfinite(v) ? v : 0;
}

std::int64_t integer(const json& j, const char* key, std::int64_t fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
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
};

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_array())
    for (const auto& item : *it)
      if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

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

void fill_result(const json& j, WorkerMessage& m) {
  auto& r = m.result;
  r.node_id = m.nodeid;
  auto outcome = base::parse_outcome(str(j, "outcome"));
  r.outcome = outcome.value_or(base::Outcome::error);
  r.setup_s = num(j, "setup_s");
  r.call_s = num(j, "call_s");
  r.teardown_s = num(j, "teardown_s");
  r.longrepr = str(j, "longrepr");
  r.message = str(j, "message");
  r.teardown_error = str(j, "teardown_error");
  r.captured_stdout = str(j, "stdout");
  r.captured_stderr = str(j, "stderr");
  r.captured_log = str(j, "log");
  r.when = str(j, "when");
  r.line = m.line;
  r.attempt = static_cast<int>(std::clamp<std::int64_t>(integer(j, "attempt", 1), 1, 1 << 20));
  r.properties = pairs(j, "properties");
  r.xml_attributes = pairs(j, "xml_attributes");
  if (!outcome) r.longrepr = "worker reported unknown outcome '" + str(j, "outcome") + "'\n" + r.longrepr;
}

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
  if (pending() < 4) return std::optional<std::string>();
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(m_buf[m_pos + i])); };
  std::uint32_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  if (n > k_max_frame_bytes)
    return base::make_error(base::ErrorCode::protocol, "frame of " + std::to_string(n) + " bytes exceeds the limit");
  if (pending() < 4 + static_cast<std::size_t>(n)) return std::optional<std::string>();
  std::string payload = m_buf.substr(m_pos + 4, n);
  m_pos += 4 + n;
  return std::optional<std::string>(std::move(payload));
}

base::Result<WorkerMessage> decode_message(std::string_view payload) {
  json j = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return base::make_error(base::ErrorCode::protocol, "worker sent a frame that is not a JSON object");
  WorkerMessage m;
  m.type_name = str(j, "t");
  for (const auto& [name, type] : k_types)
    if (name == m.type_name) m.type = type;
  m.batch = integer(j, "batch", -1);
  m.protocol = static_cast<int>(integer(j, "protocol", 0));
  m.pid = integer(j, "pid", 0);
  m.python = str(j, "python");
  m.module = str(j, "module");
  m.nodeid = str(j, "nodeid");
  m.longrepr = str(j, "longrepr");
  m.teardown_error = str(j, "teardown_error");
  m.line = static_cast<int>(integer(j, "line", 0));
  m.import_s = num(j, "import_s");
  m.duration_s = num(j, "duration_s");
  m.category = str(j, "category");
  m.message = str(j, "message");
  m.filename = str(j, "filename");
  m.lineno = static_cast<int>(integer(j, "lineno", 0));
  m.items = strings(j, "items");
  m.deselected = std::max<std::int64_t>(0, integer(j, "deselected", 0));
  m.header = strings(j, "header");
  m.exit_code = static_cast<int>(integer(j, "exit_code", 2));
  m.name = str(j, "name");
  m.value = str(j, "value");
  m.text = str(j, "text");
  // record_testsuite_property str()s its value; a worker sending the raw JSON value is shown as such.
  if (auto it = j.find("value"); it != j.end() && !it->is_string() && !it->is_null())
    m.value = it->dump(-1, ' ', false, json::error_handler_t::replace);
  if (m.type == MessageType::result || m.type == MessageType::rerun) {
    if (m.nodeid.empty()) return base::make_error(base::ErrorCode::protocol, m.type_name + " without nodeid");
    fill_result(j, m);
  }
  if ((m.type == MessageType::start) && m.nodeid.empty())
    return base::make_error(base::ErrorCode::protocol, "start without nodeid");
  return m;
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
            {"options", options},
            {"worker_id", cfg.worker_id},
            {"worker_count", cfg.worker_count}};
  if (cfg.reruns > 0) {
    j["reruns"] = cfg.reruns;
    j["reruns_delay"] = cfg.reruns_delay;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_run(std::int64_t batch, std::string_view module, const std::vector<std::string>& select,
                       bool collect_only, const std::vector<std::string>& first,
                       const std::vector<std::pair<std::string, int>>& attempts) {
  json j = {{"t", "run"}, {"batch", batch}, {"module", std::string(module)}, {"select", select}};
  if (collect_only) j["collect_only"] = true;
  if (!first.empty()) j["first"] = first;
  if (!attempts.empty()) {
    json a = json::object();
    for (const auto& [id, n] : attempts) a[id] = n;
    j["attempts"] = a;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_shutdown() { return R"({"t":"shutdown"})"; }

}  // namespace fastest::exec
