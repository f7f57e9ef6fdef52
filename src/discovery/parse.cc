// One module: bytes -> (encoding checks) -> tree-sitter tree -> items or a collection error.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "discovery/conftest_facts.h"
#include "discovery/discovery.h"
#include "discovery/doctest_items.h"
#include "discovery/file_stat.h"
#include "discovery/module_model.h"
#include "discovery/source_text.h"

extern "C" const TSLanguage* tree_sitter_python();

namespace fastest::discovery {
namespace {

// TSParser is not thread-safe but cheap to keep: one per thread, reused for every file.
class ThreadParser {
 public:
  ThreadParser() : m_parser(ts_parser_new()) { m_ok = ts_parser_set_language(m_parser, tree_sitter_python()); }
  ~ThreadParser() { ts_parser_delete(m_parser); }
  ThreadParser(const ThreadParser&) = delete;
  ThreadParser& operator=(const ThreadParser&) = delete;
  TSParser* get() const { return m_ok ? m_parser : nullptr; }

 private:
  TSParser* m_parser;
  bool m_ok = false;
};

TSParser* thread_parser() {
  thread_local ThreadParser parser;
  return parser.get();
}

struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};
using TreePtr = std::unique_ptr<TSTree, TreeDeleter>;

// The first ERROR or MISSING node in source order; only subtrees flagged has_error are entered.
TSNode first_error(TSNode root) {
  TSTreeCursor c = ts_tree_cursor_new(root);
  TSNode found = root;
  for (;;) {
    TSNode n = ts_tree_cursor_current_node(&c);
    found = n;
    if (std::strcmp(ts_node_type(n), "ERROR") == 0 || ts_node_is_missing(n) || !ts_tree_cursor_goto_first_child(&c))
      break;
    bool descended = false;
    do {
      TSNode child = ts_tree_cursor_current_node(&c);
      if (ts_node_has_error(child)) {
        descended = true;
        break;
      }
    } while (ts_tree_cursor_goto_next_sibling(&c));
    if (!descended) break;
  }
  ts_tree_cursor_delete(&c);
  return found;
}

base::CollectionError syntax_error(std::string_view rel_path, TSNode root) {
  TSNode bad = first_error(root);
  int line = static_cast<int>(ts_node_start_point(bad).row) + 1;
  std::string message = "invalid syntax";
  // Python 3.10+ words a missing colon as "expected ':'"; other recoveries vary too much.
  if (ts_node_is_missing(bad) && std::strcmp(ts_node_type(bad), ":") == 0) message = "expected ':'";
  return base::CollectionError{std::string(rel_path), line, std::move(message)};
}

// tree-sitter-python still accepts Python 2's print/exec statements; CPython 3 does not.
std::optional<base::CollectionError> python2_statement(std::string_view rel_path, TSNode root, std::string_view text) {
  if (text.find("print") == std::string_view::npos && text.find("exec") == std::string_view::npos) return std::nullopt;
  TSTreeCursor c = ts_tree_cursor_new(root);
  std::optional<base::CollectionError> found;
  for (bool more = true; more && !found;) {
    TSNode n = ts_tree_cursor_current_node(&c);
    std::string_view type = ts_node_type(n);
    if (type == "print_statement" || type == "exec_statement") {
      std::string name(type.substr(0, type.find('_')));
      found = base::CollectionError{std::string(rel_path), static_cast<int>(ts_node_start_point(n).row) + 1,
                                    "Missing parentheses in call to '" + name + "'. Did you mean " + name + "(...)?"};
    }
    if (ts_tree_cursor_goto_first_child(&c)) continue;
    while (!ts_tree_cursor_goto_next_sibling(&c)) {
      if (!ts_tree_cursor_goto_parent(&c)) {
        more = false;
        break;
      }
    }
  }
  ts_tree_cursor_delete(&c);
  return found;
}

ParsedFile error_file(std::string_view rel_path, int line, std::string message) {
  ParsedFile out;
  out.rel_path = std::string(rel_path);
  out.error = base::CollectionError{out.rel_path, line, std::move(message)};
  return out;
}

// Maps a file read-only; small files are mapped too (one code path, no copy).
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) {
      fail();
      return;
    }
    struct stat st {};
    if (::fstat(m_fd, &st) != 0) {
      fail();
      return;
    }
    m_stat = st;
    m_size = static_cast<std::size_t>(st.st_size);
    if (m_size == 0) return;
    void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, m_fd, 0);
    if (p == MAP_FAILED) {
      fail();
      return;
    }
    m_data = static_cast<const char*>(p);
  }
  ~MappedFile() {
    if (m_data) ::munmap(const_cast<char*>(m_data), m_size);
    if (m_fd >= 0) ::close(m_fd);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  bool ok() const { return m_errno == 0; }
  const std::string& error() const { return m_error; }
  std::string_view bytes() const { return m_data ? std::string_view(m_data, m_size) : std::string_view(); }
  const struct stat& stat() const { return m_stat; }

 private:
  void fail() {
    m_errno = errno;
    m_error = std::strerror(m_errno);
  }
  int m_fd = -1;
  int m_errno = 0;
  std::string m_error;
  const char* m_data = nullptr;
  std::size_t m_size = 0;
  struct stat m_stat {};
};

}  // namespace

namespace {

// The module's items in pytest's order: a file that is both a doctest module and a test
// module yields the DoctestModule's items first (the doctest plugin's collector comes first).
void read_tree(const SourceFile& kind, TSNode root, std::string_view text, const Config& cfg, ParsedFile& out) {
  if (kind.doctests) out.items = doctest_items(root, text, kind.rel_path, kind.module_name);
  if (kind.tests) {
    std::vector<base::TestItem> tests = emit_items(build_module_model(root, text), kind.rel_path, cfg);
    if (out.items.empty()) {
      out.items = std::move(tests);
    } else {
      out.items.insert(out.items.end(), std::make_move_iterator(tests.begin()), std::make_move_iterator(tests.end()));
    }
  }
  if (kind.conftest) out.conftest = read_conftest_facts(root, text);
}

void parse_python(const SourceFile& kind, std::string_view source, const Config& cfg, ParsedFile& out) {
  std::string storage;
  const std::string& rel_path = kind.rel_path;
  DecodedSource decoded = decode_source(source, storage, rel_path);
  if (decoded.problem) {
    out = error_file(rel_path, decoded.problem->line, decoded.problem->message);
  } else if (decoded.text.size() > std::numeric_limits<std::uint32_t>::max()) {
    out = error_file(rel_path, 0, "file too large to parse");
  } else if (TSParser* parser = thread_parser(); !parser) {
    out = error_file(rel_path, 0, "internal error: tree-sitter-python grammar ABI not supported");
  } else {
    TreePtr tree(
        ts_parser_parse_string(parser, nullptr, decoded.text.data(), static_cast<std::uint32_t>(decoded.text.size())));
    TSNode root = ts_tree_root_node(tree.get());
    out.rel_path = rel_path;
    if (ts_node_has_error(root)) {
      out.error = syntax_error(rel_path, root);
    } else if (auto py2 = python2_statement(rel_path, root, decoded.text)) {
      out.error = std::move(py2);
    } else {
      read_tree(kind, root, decoded.text, cfg, out);
    }
  }
  // pytest cannot import a conftest that does not compile: the session fails, and its
  // facts are unknown.
  if (kind.conftest && !out.conftest) {
    out.conftest = ConftestFacts{};
    out.conftest->error = true;
  }
}

}  // namespace

ParsedFile parse_source(const SourceFile& kind, std::string_view source, const Config& cfg) {
  ParsedFile out;
  if (kind.hook_file && !kind.conftest) {
    out.rel_path = kind.rel_path;  // the worker's collection alone says what it holds
  } else if (kind.text_doctest) {
    // doctest_encoding defaults to UTF-8; an undecodable file is the worker's collection
    // error, so it keeps its item.
    out.rel_path = kind.rel_path;
    out.items = text_doctest_items(source, kind.rel_path);
    if (out.items.empty() && first_invalid_utf8(source) != std::string_view::npos)
      out.items = text_doctest_items(">>> 0", kind.rel_path);
  } else {
    parse_python(kind, source, cfg, out);
  }
  if (kind.conftest && out.conftest) {
    out.conftest->rel_path = kind.rel_path;
    out.conftest->abs_path = kind.abs_path;
  }
  out.size = static_cast<std::int64_t>(source.size());
  out.content_hash = XXH64(source.data(), source.size(), 0);
  out.parse_key = parse_key(kind, cfg);
  return out;
}

ParsedFile parse_source(std::string_view rel_path, std::string_view source, const Config& cfg) {
  SourceFile kind;
  kind.rel_path = std::string(rel_path);
  return parse_source(kind, source, cfg);
}

std::uint64_t parse_key(const SourceFile& file, const Config& cfg) {
  std::string key = "k1";
  key += file.tests ? 'T' : '-';
  key += file.doctests ? 'D' : '-';
  key += file.text_doctest ? 'X' : '-';
  key += file.conftest ? 'C' : '-';
  key += file.hook_file ? 'H' : '-';
  auto add = [&](const std::vector<std::string>& list) {
    for (const auto& s : list) key.append("\x1f").append(s);
    key += '\x1e';
  };
  if (file.tests) {
    add(cfg.python_classes);
    add(cfg.python_functions);
  }
  if (file.doctests) key += file.module_name;
  return XXH64(key.data(), key.size(), 0);
}

ParsedFile parse_file(const SourceFile& file, const Config& cfg) {
  MappedFile mapped(file.abs_path);
  if (!mapped.ok()) {
    ParsedFile out = error_file(file.rel_path, 0, "cannot read " + file.abs_path + ": " + mapped.error());
    out.size = file.size;
    out.mtime_ns = file.mtime_ns;
    out.ctime_ns = file.ctime_ns;
    out.inode = file.inode;
    out.parse_key = parse_key(file, cfg);
    if (file.conftest) {
      out.conftest.emplace();
      out.conftest->rel_path = file.rel_path;
      out.conftest->abs_path = file.abs_path;
      out.conftest->error = true;
    }
    return out;
  }
  ParsedFile out = parse_source(file, mapped.bytes(), cfg);
  // The stat of the bytes actually hashed, so a cache keyed on it never hides an edit.
  set_stat(out, mapped.stat());
  out.parsed = true;
  return out;
}

std::optional<std::uint64_t> hash_file(const SourceFile& file) {
  // read() through a buffer rather than a mapping: for the small files of a cached run
  // (10,000 of them) mmap/munmap and the page faults cost more than the copy, and munmap
  // in a threaded process is a TLB shootdown.
  int fd = ::open(file.abs_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  thread_local std::string buf;
  std::size_t used = 0;
  ssize_t n = 0;
  do {
    if (buf.size() - used < 16 * 1024) buf.resize(std::max<std::size_t>(64 * 1024, buf.size() * 2));
    n = ::read(fd, buf.data() + used, buf.size() - used);
    if (n > 0) used += static_cast<std::size_t>(n);
  } while (n > 0);
  ::close(fd);
  if (n < 0) return std::nullopt;
  return XXH64(buf.data(), used, 0);
}

}  // namespace fastest::discovery
