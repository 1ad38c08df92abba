#include "pki/subject.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/error.h"
#include "core/text.h"

namespace mtlscert {
namespace {

// ISO 3166-1 alpha-2: the 249 officially assigned codes (ISO 3166 Maintenance Agency,
// as shipped by Debian's iso-codes). Reserved and user-assigned codes (UK, EU, XK, …) are not in it.
constexpr std::string_view kIso3166Alpha2 =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE "
    "BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD "
    "CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF "
    "GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME "
    "MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI "
    "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK "
    "TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

// Upper bounds from RFC 5280 appendix A (ub-*), which OpenSSL enforces when it encodes the name.
const std::vector<SubjectFieldInfo> kFields = {
    {SubjectField::Country, "--country", "Country",
     "the two-letter ISO 3166 code of the country your organisation is in (FR, DE, US, GB, ...)", 2},
    {SubjectField::State, "--state", "State or province",
     "the full name of your state, province or department, not an abbreviation (Hauts-de-Seine)", 128},
    {SubjectField::Locality, "--locality", "Locality", "the city your organisation is in (Nanterre)", 128},
    {SubjectField::Organization, "--org", "Organization",
     "the legal name of your company, university or association (TOTO SA); a CA that validates organisations checks it",
     64},
    {SubjectField::Unit, "--ou", "Organizational unit",
     "a department, if you want one (technical services); most public CAs now leave it out", 64},
    {SubjectField::Email, "--email", "Email address",
     "a contact address put in the subject (postmaster@toto.com); usually left empty", 128},
};

// utf8_length counts the code points of s, or returns npos if s is not valid UTF-8.
std::size_t utf8_length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return std::string_view::npos;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return std::string_view::npos;
    }
    if (n == 2 && c < 0xC2) return std::string_view::npos;  // overlong
    i += n;
  }
  return count;
}

[[noreturn]] void reject(const SubjectFieldInfo& info, std::string_view value, const std::string& rule,
                         std::string hint = {}) {
  const std::string what = lower(info.label);
  throw Error(fmt::format("{}: '{}' is not a valid {}: {}", info.flag, value, what, rule), {},
              hint.empty() ? fmt::format("{}: {}", info.label, info.explanation) : std::move(hint));
}

void check_email(const SubjectFieldInfo& info, std::string_view v) {
  auto at = v.find('@');
  if (at == std::string_view::npos) reject(info, v, "it has no '@'");
  if (v.find('@', at + 1) != std::string_view::npos) reject(info, v, "it has more than one '@'");
  if (at == 0 || at + 1 == v.size()) reject(info, v, "it needs text on both sides of the '@'");
  for (unsigned char c : v) {
    if (c >= 0x80) reject(info, v, "it has a non-ASCII character (the subject's emailAddress is IA5String)");
    if (c == ' ' || c == '\t') reject(info, v, "it contains white space");
    if (std::string_view("\"'`<>,;()[]\\").find(static_cast<char>(c)) != std::string_view::npos) {
      reject(info, v, fmt::format("the character '{}' is not allowed", static_cast<char>(c)));
    }
  }
  if (v.back() == '.' || v.find("..") != std::string_view::npos) reject(info, v, "the domain part has an empty label");
}

}  // namespace

const std::vector<SubjectFieldInfo>& subject_field_infos() { return kFields; }

const SubjectFieldInfo& subject_field_info(SubjectField field) {
  return *std::find_if(kFields.begin(), kFields.end(), [&](const SubjectFieldInfo& i) { return i.field == field; });
}

std::string& field_value(SubjectFields& f, SubjectField field) {
  switch (field) {
    case SubjectField::Country: return f.country;
    case SubjectField::State: return f.state;
    case SubjectField::Locality: return f.locality;
    case SubjectField::Organization: return f.organization;
    case SubjectField::Unit: return f.unit;
    case SubjectField::Email: return f.email;
  }
  return f.country;
}

const std::string& field_value(const SubjectFields& f, SubjectField field) {
  return field_value(const_cast<SubjectFields&>(f), field);
}

bool is_iso3166_alpha2(std::string_view code) {
  if (code.size() != 2 || !std::isupper(static_cast<unsigned char>(code[0])) ||
      !std::isupper(static_cast<unsigned char>(code[1]))) {
    return false;
  }
  for (std::size_t i = 0; i + 2 <= kIso3166Alpha2.size(); i += 3) {
    if (kIso3166Alpha2.substr(i, 2) == code) return true;
  }
  return false;
}

std::string check_subject_field(SubjectField field, std::string_view raw) {
  const SubjectFieldInfo& info = subject_field_info(field);
  std::string v = trim(raw);
  if (v.empty()) return v;
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) reject(info, v, "it contains a control character");
  }
  std::size_t chars = utf8_length(v);
  if (chars == std::string_view::npos) reject(info, v, "it is not valid UTF-8");

  if (field == SubjectField::Country) {
    std::string upper = v;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    if (upper.size() != 2 || !std::isalpha(static_cast<unsigned char>(upper[0])) ||
        !std::isalpha(static_cast<unsigned char>(upper[1]))) {
      reject(info, v, "a country is a two-letter ISO 3166 code",
             "use the two-letter code: FR for France, DE for Germany, US for the United States, GB for the UK");
    }
    if (!is_iso3166_alpha2(upper)) {
      std::string hint = upper == "UK"   ? "the United Kingdom is GB in ISO 3166"
                         : upper == "EL" ? "Greece is GR in ISO 3166"
                         : upper == "EU" ? "the European Union has no ISO 3166 code; give the member state"
                                         : "look the code up in ISO 3166-1 (FR, DE, US, GB, ...)";
      reject(info, v, "no country has this ISO 3166 code", hint);
    }
    return upper;
  }
  if (field == SubjectField::Email) check_email(info, v);
  if (chars > info.max_chars) {
    reject(info, v, fmt::format("it is {} characters long; at most {} are allowed", chars, info.max_chars));
  }
  return v;
}

SubjectFields check_subject(const SubjectFields& fields) {
  SubjectFields out;
  for (const auto& info : kFields)
    field_value(out, info.field) = check_subject_field(info.field, field_value(fields, info.field));
  return out;
}

}  // namespace mtlscert
