#pragma once
// A test's result as the reporters receive it, for the reporter tests.

#include <string>

#include "base/test_item.h"

namespace fastest::report {

inline base::TestResult result(const std::string& id, base::Outcome o, const std::string& message = "",
                               const std::string& longrepr = "", const std::string& when = "call") {
  base::TestResult r;
  r.node_id = id;
  r.file = id.substr(0, id.find("::"));
  r.outcome = o;
  r.message = message;
  r.longrepr = longrepr;
  r.when = when;
  return r;
}

}  // namespace fastest::report
