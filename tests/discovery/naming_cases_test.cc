// pytest's naming rules from the shared table tests/data/naming_cases.json, which the
// Python harness's tests (python/tests/test_naming_cases.py) read too and check against
// pytest itself: static discovery and the worker are held to the same answers.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "discovery/discovery_test_util.h"
#include "discovery/patterns.h"

namespace fastest::discovery {
namespace {

using testing::TempTree;

const nlohmann::json& cases() {
  static const nlohmann::json data = [] {
    std::ifstream in(std::string(FASTEST_SOURCE_DIR) + "/tests/data/naming_cases.json");
    if (!in) throw std::runtime_error("cannot read tests/data/naming_cases.json");
    return nlohmann::json::parse(in);
  }();
  return data;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(NamingCases, Fnmatch) {
  ASSERT_FALSE(cases()["fnmatch"].empty());
  for (const auto& c : cases()["fnmatch"]) {
    const auto name = c["name"].get<std::string>(), pattern = c["pattern"].get<std::string>();
    EXPECT_EQ(fnmatch(name, pattern), c["match"].get<bool>()) << name << " ~ " << pattern;
  }
}

TEST(NamingCases, FnmatchEx) {
  ASSERT_FALSE(cases()["fnmatch_ex"].empty());
  for (const auto& c : cases()["fnmatch_ex"]) {
    const auto pattern = c["pattern"].get<std::string>(), path = c["path"].get<std::string>();
    EXPECT_EQ(fnmatch_ex(pattern, path), c["match"].get<bool>()) << pattern << " ~ " << path;
  }
}

TEST(NamingCases, PrefixOrGlob) {
  ASSERT_FALSE(cases()["prefix_or_glob"].empty());
  for (const auto& c : cases()["prefix_or_glob"]) {
    const auto name = c["name"].get<std::string>();
    const auto options = c["options"].get<std::vector<std::string>>();
    EXPECT_EQ(matches_prefix_or_glob(name, options), c["match"].get<bool>()) << name << " ~ " << c["options"];
  }
}

TEST(NamingCases, Modules) {
  ASSERT_FALSE(cases()["modules"].empty());
  for (const auto& c : cases()["modules"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    TempTree tree;
    tree.write(c["file"].get<std::string>(), c["source"].get<std::string>());
    Config cfg = tree.config();
    const auto ini = c.value("ini", nlohmann::json::object());
    if (ini.contains("python_files")) cfg.python_files = words(ini["python_files"]);
    if (ini.contains("python_classes")) cfg.python_classes = words(ini["python_classes"]);
    if (ini.contains("python_functions")) cfg.python_functions = words(ini["python_functions"]);
    const Discovery d = discover(cfg);
    std::vector<std::string> ids;
    for (const auto& f : d.files) {
      ASSERT_FALSE(f.error) << f.error->message;
      for (const auto& item : f.items) ids.push_back(item.node_id);
    }
    EXPECT_EQ(ids, c["ids"].get<std::vector<std::string>>());
  }
}

}  // namespace
}  // namespace fastest::discovery
