#include "mta_flag.h"

#include <fmt/format.h>

#include "core/error.h"

namespace mtlscert::cli {

Mta mta_from_flag(const std::string& name) {
  if (auto mta = parse_mta(name)) return *mta;
  throw Error(fmt::format("--mta {}: unknown mail server", name), {}, "use --mta sendmail, postfix or exim");
}

void not_implemented(std::string_view command, Mta mta) {
  throw Error(fmt::format("{} --mta {}: not implemented yet", command, mta_name(mta)), {},
              "use --mta sendmail meanwhile, or an mtlscert that has it");
}

}  // namespace mtlscert::cli
