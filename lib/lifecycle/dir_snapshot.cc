#include "lifecycle/dir_snapshot.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "core/error.h"
#include "core/io.h"

namespace mtlscert {

namespace fs = std::filesystem;

namespace {

// current: the directory's files and links now, by name.
std::map<std::string, DirSnapshot::Entry> current(const std::string& dir) {
  std::map<std::string, DirSnapshot::Entry> out;
  std::error_code ec;
  for (const auto& de : fs::directory_iterator(dir, ec)) {
    const std::string path = de.path().string();
    DirSnapshot::Entry e;
    e.name = de.path().filename().string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;  // gone meanwhile
    if (S_ISLNK(st.st_mode)) {
      e.link = true;
      e.data = fs::read_symlink(de.path(), ec).string();
      if (ec) throw Error(fmt::format("{}: cannot read the link: {}", path, ec.message()), path);
    } else if (S_ISREG(st.st_mode)) {
      e.data = io::read_file(path, "CA file");
      e.mode = st.st_mode & 07777;
    } else {
      continue;  // not ours to keep or restore
    }
    out.emplace(e.name, std::move(e));
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error(fmt::format("{}: cannot list the directory: {}", dir, ec.message()), dir);
  return out;
}

bool same(const DirSnapshot::Entry& a, const DirSnapshot::Entry& b) {
  return a.link == b.link && a.data == b.data && (a.link || a.mode == b.mode);
}

}  // namespace

DirSnapshot snapshot_dir(const std::string& dir) {
  DirSnapshot s;
  s.dir = dir;
  std::error_code ec;
  s.existed = fs::is_directory(dir, ec);
  if (!s.existed) return s;
  for (auto& [name, entry] : current(dir)) s.entries.push_back(std::move(entry));
  return s;
}

std::size_t restore_dir(const DirSnapshot& snapshot) {
  const std::string& dir = snapshot.dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;  // nothing was made there: nothing to undo
  std::size_t changed = 0;
  auto now = current(dir);
  auto fail = [&](const std::string& path, const std::string& what) {
    return Error(fmt::format("rollback of {}: {}: {}", dir, path, what), path,
                 fmt::format("put the directory back by hand, then run: mtlscert bundle rehash {}", dir));
  };
  for (const auto& item : now) {
    const std::string& name = item.first;  // not a structured binding: clang 14 cannot capture one
    bool kept = std::any_of(snapshot.entries.begin(), snapshot.entries.end(),
                            [&](const DirSnapshot::Entry& e) { return e.name == name; });
    if (kept) continue;
    const std::string path = dir + "/" + name;
    if (!fs::remove(path, ec) && ec) throw fail(path, ec.message());
    ++changed;
  }
  for (const auto& e : snapshot.entries) {
    auto it = now.find(e.name);
    if (it != now.end() && same(it->second, e)) continue;
    const std::string path = dir + "/" + e.name;
    if (e.link) {
      if (it != now.end() && !fs::remove(path, ec) && ec) throw fail(path, ec.message());
      fs::create_symlink(e.data, path, ec);
      if (ec) throw fail(path, ec.message());
    } else {
      // A link where the file was is replaced, never followed (write_file_atomic renames over it).
      io::write_file_atomic(path, e.data, {e.mode, true, std::nullopt, "CA file"});
    }
    ++changed;
  }
  if (!snapshot.existed && fs::is_empty(dir, ec)) fs::remove(dir, ec);
  return changed;
}

}  // namespace mtlscert
