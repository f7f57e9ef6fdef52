#include "base/shared_string.h"

#include <ostream>

namespace fastest::base {

const std::string& SharedString::empty_string() {
  static const std::string empty;
  return empty;
}

std::ostream& operator<<(std::ostream& os, const SharedString& s) { return os << s.str(); }

}  // namespace fastest::base
