#include "discovery/conftest_options.h"

#include <gtest/gtest.h>

namespace fastest::discovery {
namespace {

TEST(ConftestOptions, FindsNamesArityAndIniKeys) {
  auto s = scan_conftest_options(
      "def pytest_addoption(parser):\n"
      "    parser.addoption('--runslow', action='store_true', default=False, help='run slow')\n"
      "    group = parser.getgroup('g')\n"
      "    group.addoption(\"--level\", '-L', dest='lvl', nargs='?')\n"
      "    parser.getgroup('h').addoption('--pair', nargs=2)\n"
      "    parser.addoption('--db-url', help='a value')\n"
      "    parser.addoption(name_from_variable)\n"
      "    parser.addini('my_key', 'help', type='args')\n");
  ASSERT_EQ(s.options.size(), 4u);
  EXPECT_EQ(s.options[0].names, (std::vector<std::string>{"--runslow"}));
  EXPECT_EQ(s.options[0].nargs, "0");
  EXPECT_EQ(s.options[1].names, (std::vector<std::string>{"--level", "-L"}));
  EXPECT_EQ(s.options[1].nargs, "?");
  EXPECT_EQ(s.options[1].line, 4);
  EXPECT_EQ(s.options[2].nargs, "2");
  EXPECT_EQ(s.options[3].nargs, "");
  EXPECT_EQ(s.ini_names, (std::vector<std::string>{"my_key"}));
}

TEST(ConftestOptions, ReadsLiteralPytestPlugins) {
  EXPECT_EQ(scan_conftest_options("pytest_plugins = ['pkg.fixtures', \"other\"]\n").pytest_plugins,
            (std::vector<std::string>{"pkg.fixtures", "other"}));
  EXPECT_EQ(scan_conftest_options("pytest_plugins = 'one'\n").pytest_plugins, (std::vector<std::string>{"one"}));
  EXPECT_TRUE(scan_conftest_options("pytest_plugins = make()\n").pytest_plugins.empty());
}

}  // namespace
}  // namespace fastest::discovery
