#pragma once
// Helpers shared by the store tests: temp directories, raw file bytes, raw SQLite access.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>

namespace fastest::store::testing {

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() / ("fastest-store-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::int64_t query_int(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, sql);
  return st.executeStep() ? st.getColumn(0).getInt64() : -1;
}

inline std::string query_text(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, sql);
  return st.executeStep() ? st.getColumn(0).getString() : "";
}

/// The files next to `db_path` whose name starts with "<db name>.corrupt-" (set-aside copies).
inline std::vector<std::filesystem::path> set_aside_files(const std::filesystem::path& db_path) {
  std::vector<std::filesystem::path> out;
  const std::string prefix = db_path.filename().string() + ".corrupt-";
  for (const auto& e : std::filesystem::directory_iterator(db_path.parent_path())) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.find("-wal") == std::string::npos &&
        name.find("-shm") == std::string::npos) {
      out.push_back(e.path());
    }
  }
  return out;
}

}  // namespace fastest::store::testing
