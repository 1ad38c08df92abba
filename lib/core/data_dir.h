// data_dir.h: where mtlscert's read-only data (the templates/ directory) is at run time.
//
// The same binary must find it in a build tree, under `cmake --install --prefix X`, and
// in the Debian package under /usr, whatever CMAKE_INSTALL_PREFIX the build was configured
// with. So the installed location is found relative to the running executable.
#pragma once

#include <string>
#include <vector>

namespace mtlscert {

/// Where templates_dir looks, in order (empty strings are skipped).
struct TemplateSearch {
  std::string env;            ///< $MTLSCERT_TEMPLATES: used as is when set (must be a directory)
  std::string exe;            ///< the running program (/proc/self/exe), for <exe dir>/../share/mtlscert/templates
  std::string source_dir;     ///< the source tree's templates/ (a build tree)
  std::string installed_dir;  ///< the configured install prefix's share/mtlscert/templates
};

/// candidate_template_dirs: the directories find_templates_dir tries, in order.
std::vector<std::string> candidate_template_dirs(const TemplateSearch& search);

/// find_templates_dir returns the first candidate that is a directory. If env is set it is
/// the only candidate. Throws Error naming every place tried when none is.
std::string find_templates_dir(const TemplateSearch& search);

/// templates_dir: find_templates_dir for this process ($MTLSCERT_TEMPLATES, /proc/self/exe,
/// and the paths compiled in).
std::string templates_dir();

}  // namespace mtlscert
