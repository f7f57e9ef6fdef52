#include "app/argparse.h"

#include <gtest/gtest.h>

namespace fastest::app {
namespace {

struct Parsed {
  std::vector<std::pair<std::string, std::vector<std::string>>> opts;  ///< dest, values
  std::vector<std::string> paths;
  std::vector<std::string> unrecognized;
};

Parsed parse_ok(const std::vector<std::string>& args) {
  auto r = parse_args(args, option_table());
  EXPECT_TRUE(r.ok()) << r.error().message;
  Parsed p;
  if (!r.ok()) return p;
  for (const auto& o : r->options) p.opts.push_back({option_table()[o.spec].dest, o.values});
  p.paths = r->file_or_dir;
  p.unrecognized = r->unrecognized;
  return p;
}

std::string parse_error(const std::vector<std::string>& args) {
  auto r = parse_args(args, option_table());
  return r.ok() ? "" : r.error().message;
}

using Opts = std::vector<std::pair<std::string, std::vector<std::string>>>;

TEST(ArgParse, ShortClustersSplitIntoOptions) {
  EXPECT_EQ(parse_ok({"-vvs"}).opts, (Opts{{"verbose", {}}, {"verbose", {}}, {"capture", {}}}));
  EXPECT_EQ(parse_ok({"-rA"}).opts, (Opts{{"reportchars", {"A"}}}));
  EXPECT_EQ(parse_ok({"-xkfoo"}).opts, (Opts{{"maxfail", {}}, {"keyword", {"foo"}}}));
  EXPECT_EQ(parse_ok({"-xk", "foo"}).opts, (Opts{{"maxfail", {}}, {"keyword", {"foo"}}}));
}

TEST(ArgParse, LongOptionsTakeEqualsOrTheNextArgument) {
  EXPECT_EQ(parse_ok({"--tb=short"}).opts, (Opts{{"tbstyle", {"short"}}}));
  EXPECT_EQ(parse_ok({"--tb", "short"}).opts, (Opts{{"tbstyle", {"short"}}}));
  EXPECT_EQ(parse_ok({"-k=a"}).opts, (Opts{{"keyword", {"a"}}}));
  EXPECT_EQ(parse_ok({"-p", "no:cacheprovider", "-W", "error::DeprecationWarning"}).opts,
            (Opts{{"plugins", {"no:cacheprovider"}}, {"pythonwarnings", {"error::DeprecationWarning"}}}));
}

TEST(ArgParse, OptionsMixWithPositionalsAndDoubleDashEndsThem) {
  auto p = parse_ok({"a", "-v", "b", "--", "-k"});
  // argparse takes the first run of positionals; the rest are "extras" that pytest
  // appends to file_or_dir unless one looks like an option.
  EXPECT_EQ(p.paths, (std::vector<std::string>{"a"}));
  EXPECT_EQ(p.unrecognized, (std::vector<std::string>{"b", "--", "-k"}));
  auto q = parse_ok({"-v", "--", "-k", "x"});
  EXPECT_EQ(q.paths, (std::vector<std::string>{"-k", "x"}));
  auto r = parse_ok({"a", "-v", "b"});
  EXPECT_EQ(r.paths, (std::vector<std::string>{"a", "b"}));
}

TEST(ArgParse, NoAbbreviationsAndUnknownOptionsAreCollected) {
  auto p = parse_ok({"--collect", "--foo=1", "x"});
  EXPECT_TRUE(p.opts.empty());
  EXPECT_EQ(p.unrecognized, (std::vector<std::string>{"--collect", "--foo=1"}));
  EXPECT_EQ(p.paths, (std::vector<std::string>{"x"}));
}

TEST(ArgParse, ArgparseMessages) {
  EXPECT_EQ(parse_error({"--tb=bad"}),
            "argument --tb: invalid choice: 'bad' (choose from 'auto', 'long', 'short', 'no', 'line', 'native')");
  EXPECT_EQ(parse_error({"-k"}), "argument -k: expected one argument");
  EXPECT_EQ(parse_error({"-k", "-foo"}), "argument -k: expected one argument");
  EXPECT_EQ(parse_error({"--maxfail=x"}), "argument --maxfail: invalid int value: 'x'");
  EXPECT_EQ(parse_error({"--verbose=3"}), "argument -v/--verbose: ignored explicit argument '3'");
  EXPECT_EQ(parse_error({"-vZ"}), "argument -v/--verbose: ignored explicit argument 'Z'");
  EXPECT_EQ(parse_error({"--durations-min", "x"}), "argument --durations-min: invalid float value: 'x'");
}

TEST(ArgParse, NegativeNumbersAndSpacedStringsAreValues) {
  EXPECT_EQ(parse_ok({"-k", "-1"}).opts, (Opts{{"keyword", {"-1"}}}));
  EXPECT_EQ(parse_ok({"-m", "-z a"}).opts, (Opts{{"markexpr", {"-z a"}}}));
}

TEST(ArgParse, OptionalValueTakesTheNextArgumentOrItsConstant) {
  EXPECT_EQ(parse_ok({"--debug"}).opts, (Opts{{"debug", {}}}));
  EXPECT_EQ(parse_ok({"--debug", "x.log"}).opts, (Opts{{"debug", {"x.log"}}}));
}

TEST(ArgParse, ConftestOptionsParseWithTheirArity) {
  auto table = option_table();
  OptionSpec flag{.names = {"--runslow"}, .dest = "", .action = OptAction::store_true};
  flag.conftest = true;
  OptionSpec value{.names = {"--level"}, .dest = ""};
  value.conftest = true;
  table.push_back(flag);
  table.push_back(value);
  auto r = parse_args({"tests", "--runslow", "--level", "3", "more"}, table);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->file_or_dir, (std::vector<std::string>{"tests", "more"}));
  ASSERT_EQ(r->options.size(), 2u);
  EXPECT_EQ(r->options[1].values, (std::vector<std::string>{"3"}));
}

}  // namespace
}  // namespace fastest::app
