#pragma once
// Warnings outside any test (an import's, a conftest's, a session fixture's) that several
// workers each report: pytest, one process, records them once.

#include <string>
#include <unordered_map>

#include "base/test_item.h"

namespace fastest::app {

/// Every worker imports the conftests (and shared helpers) its batches need, so a
/// module-level warning of one comes from each worker that imported it. The first worker
/// to report a warning of a place keeps it, as often as it reports it (a loop warning at
/// import is counted each time, as in pytest); the same warning from another worker is
/// dropped. A test's own warnings (node id set) always count.
class SessionWarnings {
 public:
  /// Whether `w`, reported by `worker`, is one pytest would record.
  bool keep(const base::WarningRecord& w, int worker) {
    if (!w.node_id.empty()) return true;
    std::string key = w.category;
    for (const std::string* part : {&w.message, &w.filename}) {
      key += '\0';
      key += *part;
    }
    key += '\0';
    key += std::to_string(w.lineno);
    return m_first.try_emplace(std::move(key), worker).first->second == worker;
  }

 private:
  std::unordered_map<std::string, int> m_first;  ///< place -> the worker that reported it first
};

}  // namespace fastest::app
