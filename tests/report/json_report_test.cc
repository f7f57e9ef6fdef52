// The --json document against its published schema (docs/json-report.schema.json).
#include "report/json_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fastest::report {
namespace {

using json = nlohmann::json;

/// The JSON Schema subset the schema file uses: type (one or a list), enum, minimum,
/// required, properties, additionalProperties (a schema), items. Errors as "path: why".
void validate(const json& schema, const json& v, const std::string& path, std::vector<std::string>& errors) {
  auto type_ok = [&](const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    return false;
  };
  if (auto t = schema.find("type"); t != schema.end()) {
    bool ok = false;
    if (t->is_string()) ok = type_ok(t->get<std::string>());
    for (const auto& one : t->is_array() ? *t : json::array()) ok = ok || type_ok(one.get<std::string>());
    if (!ok) {
      errors.push_back(path + ": type " + v.type_name() + ", expected " + t->dump());
      return;
    }
  }
  if (auto e = schema.find("enum"); e != schema.end() && std::find(e->begin(), e->end(), v) == e->end())
    errors.push_back(path + ": " + v.dump() + " not in " + e->dump());
  if (auto m = schema.find("minimum"); m != schema.end() && v.is_number() && v.get<double>() < m->get<double>())
    errors.push_back(path + ": below minimum");
  if (v.is_object()) {
    for (const auto& r : schema.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) errors.push_back(path + ": missing " + r.get<std::string>());
    const json props = schema.value("properties", json::object());
    for (const auto& [k, sub] : v.items()) {
      if (props.contains(k))
        validate(props[k], sub, path + "." + k, errors);
      else if (schema.contains("additionalProperties"))
        validate(schema["additionalProperties"], sub, path + "." + k, errors);
    }
  }
  if (v.is_array() && schema.contains("items"))
    for (std::size_t i = 0; i < v.size(); ++i)
      validate(schema["items"], v[i], path + "[" + std::to_string(i) + "]", errors);
}

json load_schema() {
  std::ifstream in(std::string(FASTEST_SOURCE_DIR) + "/docs/json-report.schema.json");
  return json::parse(in);
}

base::TestResult result(const std::string& id, base::Outcome o, const std::string& longrepr = "") {
  base::TestResult r;
  r.node_id = id;
  r.file = id.substr(0, id.find("::"));
  r.outcome = o;
  r.when = "call";
  r.longrepr = longrepr;
  r.call_s = 0.25;
  r.worker = 1;
  r.batch = 3;
  return r;
}

std::string run_report(const std::string& path) {
  JsonReporter rep(path);
  rep.set_run({.uuid = "0123456789abcdef0123456789abcdef", .started_unix = 1.8e9, .argv = {"fastest", "-n", "2"}});
  RunHeader h;
  h.rootdir = "/src/proj";
  h.engine = "native";
  h.workers = 2;
  h.schedule = "history";
  h.predicted_s = 1.5;
  h.lower_bound_s = 1.2;
  h.batch_costs = {1.0, 0.5};
  rep.on_start(h);
  rep.on_collect_error({"bad.py", 3, "SyntaxError: invalid syntax"});
  rep.on_result(result("t.py::test_ok", base::Outcome::passed, "not kept"));
  // What a test may print or raise: terminal escapes, invalid UTF-8, NUL.
  rep.on_result(result("t.py::test_bad[\x1b[31m]", base::Outcome::failed, "E   assert '\x1b[2J\xff\xfe' == ''"));
  Summary s;
  s.counts = {{"passed", 1}, {"failed", 1}, {"error", 1}};
  s.wall_s = 1.7;
  s.exit_code = 1;
  rep.on_finish(s);
  EXPECT_FALSE(rep.write_failed());
  return rep.text();
}

TEST(JsonReport, DocumentValidatesAgainstTheSchema) {
  auto dir = std::filesystem::temp_directory_path() / ("fastest_json_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "report.json").string();
  std::string text = run_report(path);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), text);
  // Written through a temp file and a rename: nothing else is left in the directory.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);
  json doc = json::parse(text);
  std::vector<std::string> errors;
  validate(load_schema(), doc, "$", errors);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  EXPECT_EQ(doc["version"], k_json_report_version);
  EXPECT_EQ(doc["run"]["uuid"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(doc["run"]["predicted_makespan_s"], 1.5);
  EXPECT_EQ(doc["summary"]["line"], "1 failed, 1 passed, 1 error in 1.70s");
  EXPECT_EQ(doc["exit_code"], 1);
  ASSERT_EQ(doc["tests"].size(), 2u);
  EXPECT_FALSE(doc["tests"][0].contains("longrepr")) << "a pass keeps no longrepr";
  EXPECT_EQ(doc["tests"][1]["worker"], 1);
  EXPECT_EQ(doc["tests"][1]["batch"], 3);
  std::filesystem::remove_all(dir);
}

TEST(JsonReport, AFlakyTestCarriesItsAttemptsAndTheFailedOnes) {
  const auto path = std::filesystem::temp_directory_path() / ("fastest_json_flaky_" + std::to_string(::getpid()));
  JsonReporter rep(path.string());
  rep.on_start(RunHeader{});
  base::TestResult first = result("t.py::test_coin", base::Outcome::failed, "E   assert 0");
  first.attempt = 1;
  first.message = "assert 0";
  rep.on_rerun(first);
  rep.on_result(result("t.py::test_coin", base::Outcome::flaky));
  rep.on_result(result("t.py::test_ok", base::Outcome::passed));
  Summary s;
  s.counts = {{"passed", 1}, {"flaky", 1}};
  rep.on_finish(s);
  json doc = json::parse(rep.text());
  std::vector<std::string> errors;
  validate(load_schema(), doc, "$", errors);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  const json& coin = doc["tests"][0];
  EXPECT_EQ(coin["outcome"], "flaky");
  EXPECT_EQ(coin["attempts"], 2);
  ASSERT_EQ(coin["reruns"].size(), 1u);
  EXPECT_EQ(coin["reruns"][0]["attempt"], 1);
  EXPECT_EQ(coin["reruns"][0]["outcome"], "failed");
  EXPECT_EQ(coin["reruns"][0]["message"], "assert 0");
  EXPECT_EQ(coin["reruns"][0]["longrepr"], "E   assert 0");
  EXPECT_EQ(doc["tests"][1]["attempts"], 1);
  EXPECT_FALSE(doc["tests"][1].contains("reruns"));
  EXPECT_EQ(doc["summary"]["counts"]["flaky"], 1);
  std::filesystem::remove(path);
}

TEST(JsonReport, EscapesAndInvalidUtf8StayInsideStrings) {
  std::string text = run_report((std::filesystem::temp_directory_path() / "fastest_json_esc.json").string());
  std::filesystem::remove(std::filesystem::temp_directory_path() / "fastest_json_esc.json");
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "ESC is written as \\u001b";
  EXPECT_EQ(text.find('\xff'), std::string::npos) << "invalid UTF-8 is replaced";
  json doc = json::parse(text);
  std::string longrepr = doc["tests"][1]["longrepr"];
  EXPECT_NE(longrepr.find("\x1b[2J"), std::string::npos);
  EXPECT_NE(longrepr.find("\xef\xbf\xbd"), std::string::npos);
}

TEST(JsonReport, SchemaRejectsADocumentWithoutItsVersion) {
  json doc = json::parse(run_report((std::filesystem::temp_directory_path() / "fastest_json_v.json").string()));
  std::filesystem::remove(std::filesystem::temp_directory_path() / "fastest_json_v.json");
  doc.erase("version");
  doc["tests"][0]["worker"] = "gw1";
  std::vector<std::string> errors;
  validate(load_schema(), doc, "$", errors);
  EXPECT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
}

}  // namespace
}  // namespace fastest::report
