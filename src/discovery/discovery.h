#pragma once
// Static test discovery: files -> tree-sitter-python -> TestItems. No store, no I/O
// beyond reading the files; the app layer supplies cached results by callback.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/test_item.h"

namespace fastest::discovery {

/// pytest's collection settings (ini options python_files etc. and the collection
/// options of the command line), already resolved by the app.
struct Config {
  std::filesystem::path rootdir;                                    ///< absolute; node ids are relative to it
  std::vector<std::filesystem::path> paths;                         ///< absolute files or directories to walk
  std::vector<std::string> python_files{"test_*.py", "*_test.py"};  ///< fnmatch globs on the basename
  std::vector<std::string> python_classes{"Test"};                  ///< prefixes or globs for class names
  std::vector<std::string> python_functions{"test"};                ///< prefixes or globs for function names
  std::vector<std::string> norecursedirs{"*.egg", ".*",           "_darcs", "build", "CVS",
                                         "dist",  "node_modules", "venv",   "{arch}"};
  std::filesystem::path invocation_dir;   ///< absolute; --ignore/--ignore-glob are relative to it (empty: cwd)
  std::vector<std::string> ignore;        ///< --ignore paths, as given
  std::vector<std::string> ignore_glob;   ///< --ignore-glob patterns, as given (fnmatch on the absolute path)
  std::vector<std::string> deselect;      ///< --deselect node-id prefixes (plain string prefixes, as pytest)
  bool collect_in_virtualenv = false;     ///< --collect-in-virtualenv
  bool doctest_modules = false;           ///< --doctest-modules: every .py file is also a doctest module
  std::vector<std::string> doctest_glob;  ///< --doctest-glob; empty means pytest's default {"test*.txt"}
  std::string import_mode = "prepend";    ///< names doctest items' modules (prepend/append: packages; importlib)
  std::filesystem::path confcutdir;       ///< absolute; conftests above it are not read (empty: no limit)
  bool noconftest = false;                ///< --noconftest: no conftest.py is read
  /// An active plugin (an entry point, `-p`, PYTEST_PLUGINS) defines pytest_collect_file:
  /// pytest's session asks it about every file its walk does not ignore, so every file
  /// the python and doctest plugins leave is a SourceFile::hook_file.
  bool plugin_collects_files = false;
  /// Whether the plugin a conftest names in `pytest_plugins` (the name as written; the
  /// conftest's absolute path) defines pytest_collect_file; then the files under that
  /// conftest are hook files. Unset: none does. Asked once per conftest and name.
  std::function<bool(const std::string& name, const std::string& conftest)> collecting_plugin;
};

/// A conftest's `collect_ignore` or `collect_ignore_glob`, as far as the source shows it.
/// Entries are as written: relative to the conftest's directory (or absolute).
struct IgnoreSpec {
  enum class Defined { no = 0, yes = 1, maybe = 2 };
  Defined defined = Defined::no;     ///< maybe: only bound under a condition (or imported)
  std::vector<std::string> certain;  ///< in the list whenever the conftest is imported
  std::vector<std::string> maybe;    ///< added under a condition discovery does not evaluate
  bool dynamic = false;              ///< built by code discovery cannot read: any path may be listed
};

/// What one conftest.py says, read statically from the same parse (no import). Used for
/// collect_ignore and for the app's `--engine auto` choice.
struct ConftestFacts {
  std::string rel_path;            ///< rootdir-relative ("../conftest.py" above the rootdir)
  std::filesystem::path abs_path;  ///< absolute
  /// Module-level names starting with "pytest_" that pluggy would register as hooks: defs
  /// (decorated or not, inside if/try too), assignments and imports; pytest_plugins excluded.
  std::vector<std::string> hooks;
  std::vector<std::string> wrapper_hooks;   ///< hooks decorated @...hookimpl(hookwrapper=True) / (wrapper=True)
  bool imports_pytest_internals = false;    ///< any `import _pytest...` / `from _pytest... import` (any depth)
  std::vector<std::string> pytest_plugins;  ///< literal `pytest_plugins` entries (a str is one entry)
  bool pytest_plugins_dynamic = false;      ///< pytest_plugins bound to something discovery cannot read
  IgnoreSpec collect_ignore, collect_ignore_glob;
  bool error = false;  ///< the conftest does not parse (pytest fails importing it; facts are empty)

  bool defines(std::string_view hook) const;
  bool hookwrapper() const { return !wrapper_hooks.empty(); }
};

/// Serialises facts for the discovery cache (a stable line format) and back; nullopt for
/// text that is not such an encoding.
std::string encode_conftest_facts(const ConftestFacts& facts);
std::optional<ConftestFacts> decode_conftest_facts(std::string_view text);

/// A file found by the walk. Paths given explicitly on the command line are kept even
/// when their basename does not match python_files (as pytest does).
struct SourceFile {
  std::string rel_path;  ///< rootdir-relative, '/'-separated
  /// absolute, as walked. A string, not a path: the walk makes one per file, and a
  /// std::filesystem::path splits its components on construction (4% of a cached pass).
  std::string abs_path;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;  ///< status change time: any write, chmod, utimes or rename sets it to now
  std::uint64_t inode = 0;
  bool tests = true;          ///< collect test functions/classes (python_files match or explicit argument)
  bool doctests = false;      ///< a doctest module (--doctest-modules)
  bool text_doctest = false;  ///< a doctest text file (--doctest-glob, or an explicit .txt/.rst)
  bool conftest = false;      ///< a conftest.py: its ConftestFacts are read too
  std::string module_name;    ///< dotted module name doctest item names start with (doctests only)
  /// A conftest's ignore lists or pytest_ignore_collect hook may drop this file at run time;
  /// discovery keeps it and the worker's collection decides.
  bool worker_decides = false;
  /// A file neither the python plugin (python_files) nor the doctest plugin collects, where
  /// a conftest of its directory or above defines pytest_collect_file (or names a plugin
  /// that does in `pytest_plugins`), or where Config::plugin_collects_files: that hook may
  /// collect it (pytest's non-python tests, pytest-doctestplus' modules and .rst files),
  /// which only the pytest engine's worker can tell. No static items.
  bool hook_file = false;
};

/// Discovery's result for one file: its items, or the error that stopped parsing it.
struct ParsedFile {
  std::string rel_path;
  std::int64_t size = 0;  ///< the stat of the bytes parsed (or hashed)
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t inode = 0;
  /// Wall clock (ns since the epoch) at the start of the pass that read the bytes: a stat
  /// changed within k_racy_ns before it may hide an edit (see stat_trusted).
  std::int64_t checked_ns = 0;
  std::uint64_t content_hash = 0;     ///< xxh64 of the bytes
  std::vector<base::TestItem> items;  ///< in source order (empty while encoded_items holds them)
  /// A cached answer's items still in the cache's encoding (the app's, opaque here), in place
  /// of `items`. Only for a cache lookup that knows the pass reads no items itself: no
  /// --deselect, not a conftest, not a text doctest file (see discover_pass in src/app/run.cc).
  std::string encoded_items;
  std::optional<base::CollectionError> error;  ///< set for syntax errors, bad encodings, unreadable files
  bool parsed = false;  ///< true when parsed in this pass (not answered by the cache): write it back
  /// A cached answer whose bytes were hashed again in this pass and still match (its stat
  /// changed, or it was racy): its new stat and checked_ns are worth writing back.
  bool verified = false;
  /// What the items depend on besides the bytes (file kind, python_classes/functions, the
  /// doctest module name): a cached answer with another key is parsed again.
  std::uint64_t parse_key = 0;
  std::optional<ConftestFacts> conftest;  ///< set for conftest.py files
  bool worker_decides = false;            ///< see SourceFile::worker_decides (not cached: per walk)
  bool hook_file = false;                 ///< see SourceFile::hook_file (not cached: per walk)
};

/// Walks cfg.paths (sorted, each file once, symlink loops and broken links survived,
/// norecursedirs honoured). Nonexistent paths are reported in `errors`. Files come in
/// pytest 7's collection order: arguments in order; within a directory its files by
/// name, then its subdirectories by name.
std::vector<SourceFile> find_test_files(const Config& cfg, std::vector<base::CollectionError>& errors);

/// Parses one module's source text as a test module (SourceFile defaults). Pure; used by
/// the tests/fuzzers.
ParsedFile parse_source(std::string_view rel_path, std::string_view source, const Config& cfg);

/// Parses one file's bytes as `kind` says (tests, doctests, text doctest, conftest facts).
ParsedFile parse_source(const SourceFile& kind, std::string_view source, const Config& cfg);

/// The ParsedFile::parse_key a parse of `file` under `cfg` gets.
std::uint64_t parse_key(const SourceFile& file, const Config& cfg);

/// Reads (mmap) and parses one file.
ParsedFile parse_file(const SourceFile& file, const Config& cfg);

/// xxh64 of a file's bytes (as ParsedFile::content_hash), nullopt if it cannot be read.
std::optional<std::uint64_t> hash_file(const SourceFile& file);

/// A file whose stat changed less than this before a pass read it may change again within
/// the same timestamp tick (coarse clocks, 1-2 s on some file systems): it is "racy".
inline constexpr std::int64_t k_racy_ns = 2'000'000'000;

/// Git's index rule: a cached answer is trusted without reading the file when size, mtime,
/// ctime and inode are the ones recorded and the file was not racy when it was read.
/// ctime catches edits that restore the mtime (rsync -t, touch -r); the inode, a file
/// replaced by rename. Any other answer is checked by hashing the bytes.
bool stat_trusted(const SourceFile& now, const ParsedFile& cached);

/// Returns the cached ParsedFile for this path, if any (discover checks it).
using CacheLookup = std::function<std::optional<ParsedFile>(const SourceFile&)>;

struct Discovery {
  std::vector<ParsedFile> files;              ///< the modules to collect, sorted by rel_path
  std::vector<base::CollectionError> errors;  ///< walk errors (missing paths)
  std::size_t parsed_count = 0;               ///< files actually parsed (not from cache)
  std::vector<std::size_t> collection_order;  ///< indices into `files` in pytest's collection order
  /// Every conftest.py pytest would import for this collection, in pytest's load order
  /// (the arguments' parent directories from the top, then the walk).
  std::vector<ConftestFacts> conftests;
  /// Conftests that are not modules themselves (those that are, e.g. under --doctest-modules,
  /// are in `files`): kept for the cache write-back (`parsed` set when parsed in this pass).
  std::vector<ParsedFile> conftest_files;
  std::size_t deselected = 0;  ///< static items removed by --deselect
};

/// The whole pass: walk, then parse every file not answered by `cache` in parallel (oneTBB).
/// A cache answer is used when stat_trusted, or else when the file's bytes still hash to its
/// content_hash (then `verified` is set); a different size is parsed at once.
/// `cache` is called from the calling thread only, at most once per file. Conftests are read
/// during the walk (their collect_ignore decides what is walked), modules after it.
Discovery discover(const Config& cfg, const CacheLookup& cache = {});

/// Builds pytest's node id "rel/path.py::Class::Inner::func".
std::string make_node_id(std::string_view rel_path, std::string_view cls_chain, std::string_view function);

/// fnmatch-style glob match as Python's fnmatch.fnmatch on POSIX (*, ?, [seq], [!seq]).
bool fnmatch(std::string_view name, std::string_view pattern);

}  // namespace fastest::discovery
