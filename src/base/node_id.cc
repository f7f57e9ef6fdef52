#include "base/node_id.h"

namespace fastest::base {

std::size_t params_start(std::string_view id) {
  const std::size_t sep = id.find("::");
  return sep == std::string_view::npos ? std::string_view::npos : id.find('[', sep + 2);
}

std::pair<std::string_view, std::string_view> split_params(std::string_view id) {
  const std::size_t p = params_start(id);
  if (p == std::string_view::npos) return {id, {}};
  return {id.substr(0, p), id.substr(p)};
}

std::vector<std::string_view> id_parts(std::string_view id) {
  std::string_view rest = split_params(id).first;
  std::vector<std::string_view> parts;
  for (std::size_t sep; (sep = rest.find("::")) != std::string_view::npos; rest.remove_prefix(sep + 2))
    parts.push_back(rest.substr(0, sep));
  parts.push_back(rest);
  return parts;
}

bool ids_overlap(std::string_view a, std::string_view b) {
  auto extends = [](std::string_view longer, std::string_view prefix) {
    if (longer.size() <= prefix.size() || longer.substr(0, prefix.size()) != prefix) return false;
    const std::string_view tail = longer.substr(prefix.size());
    return tail.front() == '[' || tail.substr(0, 2) == "::";
  };
  return a == b || extends(a, b) || extends(b, a);
}

std::string display_name(std::string_view id) {
  if (id.find("::") == std::string_view::npos) return std::string(id);
  const std::vector<std::string_view> parts = id_parts(id);
  std::string out;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (i > 1) out += '.';
    out += parts[i];
  }
  out += split_params(id).second;
  return out;
}

}  // namespace fastest::base
