#include "report/collect_tree.h"

#include <map>
#include <nlohmann/json.hpp>

#include "report/text.h"

namespace fastest::report {

std::string collect_tree(const std::vector<std::string>& chains) {
  std::vector<std::string> stack;  // keys of the open collectors, the previous item last
  std::string out;
  for (const auto& text : chains) {
    const auto chain = nlohmann::json::parse(text, nullptr, false);
    if (!chain.is_array() || chain.empty()) continue;
    // pytest pops until the stack is a prefix of this item's chain; the item itself is
    // always new.
    std::size_t common = 0;
    while (common < stack.size() && common + 1 < chain.size() && chain[common].is_array() &&
           chain[common].size() == 3 && chain[common][0] == stack[common])
      ++common;
    stack.resize(common);
    for (std::size_t i = common; i < chain.size(); ++i) {
      const auto& node = chain[i];
      if (!node.is_array() || node.size() != 3 || !node[0].is_string() || !node[1].is_string()) break;
      stack.push_back(node[0].get<std::string>());
      const std::string indent(2 * i, ' ');
      out += indent + sanitize(node[1].get<std::string>()) + "\n";
      if (node[2].is_array())
        for (const auto& line : node[2])
          if (line.is_string()) out += indent + "  " + sanitize(line.get<std::string>()) + "\n";
    }
  }
  return out;
}

std::string collect_counts(const std::vector<std::string>& ids) {
  std::map<std::string, std::size_t> per_file;
  for (const auto& id : ids) ++per_file[id.substr(0, id.find("::"))];
  std::string out;
  for (const auto& [file, n] : per_file) out += sanitize(file) + ": " + std::to_string(n) + "\n";
  return out;
}

}  // namespace fastest::report
