// subject.h: the optional subject fields of a CSR (country, state, locality,
// organisation, unit, e-mail), checked before any work, and the one-line
// explanations the guided walk-through (csr --interactive) asks with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mtlscert {

/// SubjectFields: every field is optional; empty means "leave it out".
struct SubjectFields {
  std::string country;       ///< ISO 3166-1 alpha-2, upper case ("FR")
  std::string state;         ///< state or province, full name
  std::string locality;      ///< city
  std::string organization;  ///< legal name of the company, university or association
  std::string unit;          ///< organisational unit (department)
  std::string email;         ///< contact address (PKCS#9 emailAddress)
};

enum class SubjectField { Country, State, Locality, Organization, Unit, Email };

/// SubjectFieldInfo: how a field is named on the command line and explained to a person.
struct SubjectFieldInfo {
  SubjectField field;
  const char* flag;         ///< "--country"
  const char* label;        ///< "Country"
  const char* explanation;  ///< one line: what it is for, with an example
  std::size_t max_chars;    ///< X.520 / RFC 5280 upper bound, in characters
};

/// subject_field_infos: the fields in the order a subject lists them (C, ST, L, O, OU, email).
const std::vector<SubjectFieldInfo>& subject_field_infos();
const SubjectFieldInfo& subject_field_info(SubjectField field);

/// field_value: the member of fields that holds field.
std::string& field_value(SubjectFields& fields, SubjectField field);
const std::string& field_value(const SubjectFields& fields, SubjectField field);

/// check_subject_field validates one value and returns its canonical form
/// (surrounding white space trimmed; the country upper-cased). An empty value
/// stays empty. Throws Error naming the flag and the rule, e.g.
///   "--country: 'UK' is not an ISO 3166 country code" (hint: "the United Kingdom is GB").
/// Rules: country = an assigned ISO 3166-1 alpha-2 code; email = one '@' with text on both
/// sides, ASCII, no spaces, quotes, angle brackets or commas; every field valid UTF-8
/// without control characters and within its length bound.
std::string check_subject_field(SubjectField field, std::string_view value);

/// check_subject applies check_subject_field to every field.
SubjectFields check_subject(const SubjectFields& fields);

/// is_iso3166_alpha2: code is one of the 249 assigned ISO 3166-1 alpha-2 codes (upper case).
bool is_iso3166_alpha2(std::string_view code);

}  // namespace mtlscert
