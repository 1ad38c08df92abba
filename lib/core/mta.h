// mta.h: which mail server a configuration belongs to.
//
// sendmail, Postfix and Exim each have a sibling folder (lib/sendmail, lib/postfix,
// lib/exim) with an option table of MtaOption rows (mta_option.h); commands that serve
// more than one (emit, doctor, init, access) take `--mta NAME` and dispatch on this value.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace mtlscert {

enum class Mta { Sendmail, Postfix, Exim };

/// kMtas: every MTA, in the order help text and completion list them.
inline constexpr std::array<Mta, 3> kMtas = {Mta::Sendmail, Mta::Postfix, Mta::Exim};

/// mta_name: the name used on the command line and in JSON ("sendmail", "postfix", "exim").
constexpr std::string_view mta_name(Mta mta) {
  switch (mta) {
    case Mta::Sendmail: return "sendmail";
    case Mta::Postfix: return "postfix";
    case Mta::Exim: return "exim";
  }
  return "sendmail";
}

/// parse_mta: the MTA named name (as mta_name prints it), or nothing.
constexpr std::optional<Mta> parse_mta(std::string_view name) {
  for (Mta mta : kMtas)
    if (mta_name(mta) == name) return mta;
  return std::nullopt;
}

}  // namespace mtlscert
