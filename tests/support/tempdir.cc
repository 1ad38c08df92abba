#include "tempdir.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mtlscert::test {

TempDir::TempDir() {
  const char* base = std::getenv("MTLSCERT_TEST_TMP");
  std::string tmpl =
      std::string(base != nullptr ? base : std::filesystem::temp_directory_path().string()) + "/mtlscert-test-XXXXXX";
  std::filesystem::create_directories(std::filesystem::path(tmpl).parent_path());
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content, unsigned mode) const {
  std::string p = file(name);
  {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << content;
  }
  chmod(p.c_str(), mode);
  return p;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int file_mode(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

int count_entries(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace mtlscert::test
