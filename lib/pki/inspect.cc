#include "pki/inspect.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <map>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bundle/ca_list.h"
#include "core/error.h"
#include "core/io.h"
#include "core/ossl_error.h"
#include "pki/pem.h"

namespace mtlscert {
namespace {

constexpr const char* kExpected = "a certificate, CSR, private key or bundle (PEM or DER)";

std::string kind_words(ObjectKind kind, std::size_t n) {
  const char* one = "object";
  const char* many = "objects";
  switch (kind) {
    case ObjectKind::Certificate: one = "certificate", many = "certificates"; break;
    case ObjectKind::Csr: one = "CSR", many = "CSRs"; break;
    case ObjectKind::PrivateKey: one = "private key", many = "private keys"; break;
    case ObjectKind::EncryptedPrivateKey: one = "encrypted private key", many = "encrypted private keys"; break;
    case ObjectKind::PublicKey: one = "public key", many = "public keys"; break;
    case ObjectKind::Crl: one = "CRL", many = "CRLs"; break;
    case ObjectKind::Other: one = "other PEM block", many = "other PEM blocks"; break;
    case ObjectKind::Broken: one = "unreadable block", many = "unreadable blocks"; break;
  }
  return n == 1 ? one : fmt::format("{} {}", n, many);
}

// block_text: the PEM block of an object, found by its line.
std::string_view block_text(std::string_view bytes, const std::vector<pem::Block>& blocks, std::size_t line) {
  for (const auto& b : blocks) {
    if (b.line == line) return bytes.substr(b.begin, b.end - b.begin);
  }
  return {};
}

std::optional<KeySummary> read_public_key(std::string_view text) {
  ossl::Ptr<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  ossl::Ptr<EVP_PKEY> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  ossl::clear_errors();
  if (!key) return std::nullopt;
  return summarize_key(key.get());
}

std::string validity_words(const CertInfo& c, std::int64_t at) {
  std::string when = fmt::format("{} to {}", c.not_before, c.not_after);
  if (at < c.not_before_epoch)
    return when + fmt::format(" (NOT YET VALID: starts in {} days)", (c.not_before_epoch - at + 86399) / 86400);
  if (c.days_left < 0 || at > c.not_after_epoch) return when + fmt::format(" (EXPIRED {} days ago)", -c.days_left);
  return when + fmt::format(" ({} days left)", c.days_left);
}

std::string san_words(const std::vector<std::string>& dns, const std::vector<std::string>& ips,
                      const std::vector<std::string>& emails) {
  std::vector<std::string> all;
  for (const auto& d : dns) all.push_back("DNS:" + d);
  for (const auto& i : ips) all.push_back("IP:" + i);
  for (const auto& e : emails) all.push_back("email:" + e);
  return all.empty() ? "none" : fmt::format("{}", fmt::join(all, ", "));
}

std::string list_or(const std::vector<std::string>& v, const char* none) {
  return v.empty() ? none : fmt::format("{}", fmt::join(v, ", "));
}

void field(std::string& out, const char* indent, const char* name, const std::string& value) {
  out += fmt::format("{}{:<13}{}\n", indent, name, value);
}

// A subject with two CNs (or any attribute twice) reads differently per tool: sendmail's
// ${cn_subject} is the first CN, OpenSSL-based checks the last.
void repeated_warning(std::string& out, const char* in, const std::vector<std::string>& repeated) {
  if (repeated.empty()) return;
  field(out, in, "Warning:",
        fmt::format("the subject has more than one {}: sendmail's ${{cn_subject}} is the first CN, other tools "
                    "take the last (ca sign refuses such a subject) [subject-repeated-attribute]",
                    fmt::join(repeated, ", ")));
}

void render(std::string& out, const InspectedObject& o, std::int64_t at, const char* in) {
  if (o.certificate) {
    const CertInfo& c = *o.certificate;
    field(out, in, "Subject:", c.subject.empty() ? "(empty)" : c.subject);
    field(out, in, "Issuer:", c.issuer + (c.self_signed ? " (self-signed)" : ""));
    field(out, in, "SAN:", san_words(c.dns_names, c.ip_addresses, c.emails));
    field(out, in, "Validity:", validity_words(c, at));
    field(out, in, "Key:", c.key.label);
    field(out, in, "Signature:", c.signature_algorithm);
    field(out, in, "Key usage:", list_or(c.key_usage, "not restricted (no keyUsage)"));
    field(out, in, "EKU:", list_or(c.extended_key_usage, "not restricted (no extendedKeyUsage)"));
    std::string ca = !c.has_basic_constraints ? "no basicConstraints (not a CA)"
                     : !c.is_ca               ? "CA:FALSE"
                     : c.path_length >= 0     ? fmt::format("CA:TRUE, pathlen:{}", c.path_length)
                                              : "CA:TRUE";
    field(out, in, "Basic:", ca);
    field(out, in, "Serial:", c.serial);
    field(out, in, "SHA-256:", c.sha256);
    field(out, in, "Key SHA-256:", c.spki_sha256 + " (SPKI: DANE TLSA 3 1 1 data)");
    repeated_warning(out, in, c.repeated_attributes);
  } else if (o.csr) {
    const CsrInfo& c = *o.csr;
    field(out, in, "Subject:", c.subject.empty() ? "(empty)" : c.subject);
    field(out, in, "SAN:", san_words(c.dns_names, c.ip_addresses, {}));
    field(out, in, "Key:", c.key.label);
    field(out, in, "Signature:",
          fmt::format("{}, {}", c.signature_algorithm,
                      c.signature_valid ? "verifies (signed by the key it carries)"
                                        : "DOES NOT VERIFY: the request is damaged or forged"));
    field(out, in, "Key usage:", list_or(c.key_usage, "none requested"));
    field(out, in, "EKU:", list_or(c.extended_key_usage, "none requested"));
    field(out, in, "Basic:", c.requests_ca ? "requests CA:TRUE" : "does not request a CA");
    repeated_warning(out, in, c.repeated_attributes);
  } else if (o.key) {
    field(out, in, "Key:", fmt::format("{} (key material not shown)", o.key->label));
  }
  if (!o.problem.empty()) field(out, in, "Problem:", o.problem);
}

}  // namespace

std::string InspectedFile::what() const {
  std::map<ObjectKind, std::size_t> counts;
  for (const auto& o : objects) ++counts[o.kind];
  if (objects.size() == 1) return kind_words(objects.front().kind, 1);
  if (counts.size() == 1 && counts.begin()->first == ObjectKind::Certificate) {
    return fmt::format("bundle of {} certificates", objects.size());
  }
  std::vector<std::string> parts;
  for (const auto& [kind, n] : counts) parts.push_back(n == 1 ? "1 " + kind_words(kind, 1) : kind_words(kind, n));
  return fmt::format("{} objects: {}", objects.size(), fmt::join(parts, ", "));
}

bool InspectedFile::broken() const {
  for (const auto& o : objects) {
    if (o.kind == ObjectKind::Broken || (o.kind == ObjectKind::PrivateKey && !o.key)) return true;
  }
  return false;
}

InspectedFile inspect_bytes(std::string_view bytes, const std::string& path, std::time_t now) {
  PkiFile file = load_objects(bytes, path);
  if (file.format == FileFormat::Empty) {
    throw Error(fmt::format("file '{}' is empty; expected {}", path, kExpected), path,
                "check the path; a certificate file starts with -----BEGIN CERTIFICATE-----");
  }
  if (file.format == FileFormat::Unknown || file.objects.empty()) {
    throw Error(fmt::format("file '{}' is not {}: it holds neither PEM blocks nor a DER object ({} bytes)", path,
                            kExpected, bytes.size()),
                path, "check the path; look at it with: head -c 200 FILE | od -c");
  }
  InspectedFile out;
  out.path = path;
  out.format = file.format;
  out.at = static_cast<std::int64_t>(now);
  std::vector<pem::Block> blocks;
  if (file.format == FileFormat::Pem) blocks = pem::scan(bytes);
  for (auto& o : file.objects) {
    InspectedObject io;
    io.kind = o.kind;
    io.label = o.label;
    io.line = o.line;
    io.problem = o.problem;
    if (o.cert) io.certificate = describe_certificate(o.cert.get(), now);
    if (o.csr) io.csr = describe_csr(o.csr.get());
    if (o.kind == ObjectKind::PrivateKey) {
      std::string_view text = file.format == FileFormat::Pem ? block_text(bytes, blocks, o.line) : bytes;
      try {
        io.key = summarize_key(load_private_key(text, path).get());
      } catch (const Error& e) {
        io.problem = e.what();
      }
    } else if (o.kind == ObjectKind::EncryptedPrivateKey) {
      io.problem = "encrypted: its type and size need the passphrase (sendmail needs an unencrypted key)";
    } else if (o.kind == ObjectKind::PublicKey) {
      io.key = read_public_key(block_text(bytes, blocks, o.line));
      if (!io.key) io.problem = "not a readable public key";
    } else if (o.kind == ObjectKind::Other) {
      io.problem = fmt::format("a '{}' block, not something inspect describes", o.label);
    }
    out.objects.push_back(std::move(io));
  }
  ossl::clear_errors();
  return out;
}

InspectedFile inspect_file(const std::string& path, std::time_t now) {
  protect_key_memory();  // the file may be a key
  SecretString bytes(io::read_file(path, "file"));
  return inspect_bytes(bytes.view(), path, now);
}

std::string inspect_text(const InspectedFile& file) {
  std::string out = fmt::format("{}: {} ({})\n", file.path, file.what(), file_format_name(file.format));
  if (file.objects.size() == 1) {
    render(out, file.objects.front(), file.at, "  ");
    return out;
  }
  // Each distinct certificate once, with its repeat count and where the copies are:
  // a bundle of 3 certificates repeated 22,582 times prints 3 entries, not 67,746.
  std::unordered_map<std::string, std::vector<std::size_t>> copies;
  for (std::size_t i = 0; i < file.objects.size(); ++i) {
    if (file.objects[i].certificate) copies[file.objects[i].certificate->sha256].push_back(i);
  }
  for (std::size_t i = 0; i < file.objects.size(); ++i) {
    const auto& o = file.objects[i];
    std::string repeat;
    if (o.certificate) {
      const auto& same = copies[o.certificate->sha256];
      if (same.front() != i) continue;  // a copy: shown with the first
      if (same.size() > 1) {
        std::string at;
        for (std::size_t k = 1; k < same.size() && k <= 5; ++k) {
          const auto& c = file.objects[same[k]];
          at += fmt::format("{}{}", k > 1 ? ", " : "",
                            c.line != 0 ? fmt::format("line {}", c.line) : fmt::format("[{}]", same[k] + 1));
        }
        if (same.size() > 6) at += ", …";
        repeat = fmt::format(" (x{}: the same certificate again at {})", with_commas(same.size()), at);
      }
    }
    out += fmt::format("  [{}] {}{}{}\n", i + 1, kind_words(o.kind, 1),
                       o.line != 0 ? fmt::format(", line {}", o.line) : std::string(), repeat);
    render(out, o, file.at, "      ");
  }
  return out;
}

std::string to_json(const std::vector<InspectedFile>& files) {
  using json = nlohmann::ordered_json;
  json doc;
  doc["schema"] = "mtlscert.inspect/1";
  json list = json::array();
  for (const auto& f : files) {
    json jf;
    jf["path"] = f.path;
    jf["format"] = f.error.empty() ? json(std::string(file_format_name(f.format))) : json(nullptr);
    jf["what"] = f.error.empty() ? json(f.what()) : json(nullptr);
    jf["error"] = f.error.empty() ? json(nullptr) : json(f.error);
    json objects = json::array();
    for (std::size_t i = 0; i < f.objects.size(); ++i) {
      const auto& o = f.objects[i];
      json jo;
      jo["index"] = i;
      jo["kind"] = std::string(object_kind_name(o.kind));
      jo["label"] = o.label;
      jo["line"] = o.line;
      if (o.certificate) jo["certificate"] = *o.certificate;
      if (o.csr) jo["csr"] = *o.csr;
      if (o.key) {
        jo["key"] = {
            {"algorithm", o.key->algorithm}, {"bits", o.key->bits}, {"curve", o.key->curve}, {"label", o.key->label}};
      }
      jo["problem"] = o.problem.empty() ? json(nullptr) : json(o.problem);
      objects.push_back(std::move(jo));
    }
    jf["objects"] = std::move(objects);
    list.push_back(std::move(jf));
  }
  doc["files"] = std::move(list);
  // Certificate fields are arbitrary bytes: replace invalid UTF-8 rather than throw, so the
  // document is always valid JSON.
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace mtlscert
