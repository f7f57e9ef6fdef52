#include "base/shared_string.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/test_item.h"

namespace fastest::base {
namespace {

TEST(SharedString, CopiesShareOneTextAndReadAsAString) {
  SharedString a(std::string("tests/d00/test_module_0000.py"));
  SharedString b = a;
  EXPECT_EQ(&a.str(), &b.str());
  const std::string& s = b;
  EXPECT_EQ(s, "tests/d00/test_module_0000.py");
  EXPECT_EQ(b.size(), s.size());
}

TEST(SharedString, ComparesByTextWithEveryStringKind) {
  SharedString a("t.py"), b(std::string_view("t.py")), other("u.py");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, "t.py");
  EXPECT_EQ(a, std::string("t.py"));
  EXPECT_EQ(a, std::string_view("t.py"));
  EXPECT_FALSE(a == other);
  std::ostringstream out;
  out << a;
  EXPECT_EQ(out.str(), "t.py");
}

TEST(SharedString, DefaultIsEmpty) {
  SharedString e;
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(e, "");
  EXPECT_EQ(e, SharedString(std::string()));
  EXPECT_STREQ(e.c_str(), "");
}

TEST(SharedString, ItemsOfOneModuleShareItsPath) {
  SharedString file("tests/test_x.py");
  TestItem a{.node_id = "tests/test_x.py::test_a", .file = file};
  TestItem b = a;
  b.node_id = "tests/test_x.py::test_b";
  EXPECT_EQ(&a.file.str(), &b.file.str());
  EXPECT_EQ(b.file, "tests/test_x.py");
}

}  // namespace
}  // namespace fastest::base
