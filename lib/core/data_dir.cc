#include "core/data_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "core/error.h"

namespace mtlscert {
namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string self_exe() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

}  // namespace

std::vector<std::string> candidate_template_dirs(const TemplateSearch& search) {
  if (!search.env.empty()) return {search.env};
  std::vector<std::string> dirs;
  if (!search.exe.empty()) {
    std::filesystem::path bin = std::filesystem::path(search.exe).parent_path();
    dirs.push_back((bin.parent_path() / "share" / "mtlscert" / "templates").string());
  }
  for (const std::string* d : {&search.source_dir, &search.installed_dir}) {
    if (!d->empty() && std::find(dirs.begin(), dirs.end(), *d) == dirs.end()) dirs.push_back(*d);
  }
  return dirs;
}

std::string find_templates_dir(const TemplateSearch& search) {
  std::vector<std::string> dirs = candidate_template_dirs(search);
  for (const auto& d : dirs) {
    if (is_directory(d)) return d;
  }
  if (!search.env.empty()) {
    throw Error(fmt::format("templates directory '{}' (from MTLSCERT_TEMPLATES) is not a directory", search.env),
                search.env, "point MTLSCERT_TEMPLATES at mtlscert's templates/ directory, or unset it");
  }
  throw Error(fmt::format("cannot find mtlscert's templates directory: tried {}", fmt::join(dirs, ", ")), {},
              "reinstall mtlscert (the package ships /usr/share/mtlscert/templates), or set "
              "MTLSCERT_TEMPLATES to the templates/ directory of a source checkout");
}

std::string templates_dir() {
  TemplateSearch search;
  if (const char* env = std::getenv("MTLSCERT_TEMPLATES"); env != nullptr) search.env = env;
  search.exe = self_exe();
  search.source_dir = MTLSCERT_SOURCE_TEMPLATES;
  search.installed_dir = MTLSCERT_INSTALLED_TEMPLATES;
  return find_templates_dir(search);
}

}  // namespace mtlscert
