// tempdir.h: a private scratch directory (mode 0700, not below a world-writable
// path when TMPDIR points elsewhere), removed with its content at scope exit.
#pragma once

#include <string>

namespace mtlscert::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const noexcept { return path_; }
  /// file returns path()/name.
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  /// write creates name with content (mode 0644 unless given) and returns its path.
  std::string write(const std::string& name, const std::string& content, unsigned mode = 0644) const;

 private:
  std::string path_;
};

/// slurp reads a whole file (test helper; throws on error).
std::string slurp(const std::string& path);
/// file_mode returns the permission bits of path (lstat), or -1 if missing.
int file_mode(const std::string& path);
/// count_entries counts directory entries other than . and ..
int count_entries(const std::string& dir);

}  // namespace mtlscert::test
