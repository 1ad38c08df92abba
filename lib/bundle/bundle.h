// bundle.h: a CA bundle seen as sendmail's confCACERT: what it sends of it (the
// CertificateRequest CA list), what is wrong with it (findings), and how to make
// it right (trim it, or split it into a short confCACERT and a hashed confCACERT_PATH).
//
// What sendmail reads, exactly: read_ca_file() (ca_file.h) answers which names are sent
// and whether the file loads, with OpenSSL's own rules; the figures and the whole-file
// verdicts below come from it, the per-certificate findings from our object reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/ca_file.h"
#include "bundle/ca_list.h"
#include "core/defaults.h"
#include "core/finding.h"
#include "pki/objects.h"
#include "sendmail/m4_value.h"  // sendmail_define, for the split result

namespace mtlscert {

/// The largest bundle read (a CA list above 65,535 bytes cannot be sent anyway, but
/// check must still measure generated 100,000-certificate files).
inline constexpr std::size_t kBundleMaxInput = 512u << 20;

struct BundleCheckOptions {
  std::int64_t at = 0;                                ///< validity is judged at this time (epoch seconds)
  int expiring_days = kBundleExpiringDays;            ///< notice when a certificate expires within this many days
  CaListThresholds thresholds;                        ///< the list-size bands (ca_list.h)
  std::size_t many_certificates = kManyCertificates;  ///< notice above this count
  std::size_t system_store_certificates = kSystemStoreCertificates;  ///< above this count the file is a trust store
  bool x509 = false;  ///< also decode X509 objects (trim and split need them)
};

/// BundleCert: one certificate of a bundle, read once.
struct BundleCert {
  CertRef ref;                     ///< index among the file's objects, line, subject, SHA-256
                                   ///< (check fills subject only where a finding needs it; see subject_of)
  const CertView* view = nullptr;  ///< borrowed from BundleReport::file
  X509* x509 = nullptr;            ///< borrowed from BundleReport::file; null unless options.x509
  bool sent = false;               ///< its subject is in the CA list sendmail sends
  bool has_basic_constraints = false;
  bool is_ca = false;        ///< basicConstraints CA:TRUE
  bool self_issued = false;  ///< subject == issuer: a root (its own signature is not checked by peers)
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  std::string key_label;            ///< "RSA 2048", "ECDSA P-256", …
  std::string signature_algorithm;  ///< e.g. "sha256WithRSAEncryption"
};

/// BundleReport: the result of check_bundle. Owns the parsed file.
struct BundleReport {
  PkiFile file;
  CaFile ca;  ///< what OpenSSL makes of the file: names sent, loads or not
  std::int64_t at = 0;
  std::vector<BundleCert> certs;  ///< every certificate, in file order
  CaListSize list;                ///< over the certificates sendmail sends (cert.sent)
  std::string verdict;            ///< ca_list_verdict: the first line of human output
  std::vector<Finding> findings;  ///< file-level findings first, then by certificate
  /// grouped[k]: the other places of findings[k] when it stands for a repeated finding
  /// (its message then gives the count); empty otherwise. JSON: "count", "positions".
  std::vector<std::vector<CertRef>> grouped;
  bool no_certificate() const { return certs.empty(); }
};

/// check_bundle judges the bytes of a file as confCACERT. Never throws for bad content:
/// every problem is a Finding (codes listed in mtlscert-bundle(1)).
BundleReport check_bundle(std::string_view bytes, const std::string& path, const BundleCheckOptions& options);

/// check_bundle_file reads path (Error if unreadable) and checks it.
BundleReport check_bundle_file(const std::string& path, const BundleCheckOptions& options);

/// subject_of: the RFC 2253 subject of a certificate of the report.
std::string subject_of(const BundleCert& cert);

/// is_system_trust_store: a distribution's full trust bundle path (after symlinks).
bool is_system_trust_store(const std::string& path);

/// looks_like_system_trust_store: the one rule for "this CA file is a whole trust store"
/// (bundle check, doctor's pre-flight): a known store path, or more than threshold certificates.
bool looks_like_system_trust_store(const std::string& path, std::size_t certificates,
                                   std::size_t threshold = kSystemStoreCertificates);

/// to_json: the bundle check document (schema "mtlscert.bundle-check/1").
std::string to_json(const BundleReport& report);

// --- selecting CAs (trim and split) -----------------------------------------------

/// Why a certificate or object is left out of a clean bundle.
struct Dropped {
  CertRef cert;          ///< the certificate (index -1 for a non-certificate object)
  std::size_t line = 0;  ///< the object's line (also for non-certificates)
  std::string code;      ///< "duplicate", "expired", "not-ca", "private-key", "not-selected", …
  std::string reason;    ///< one line for the admin
};

/// to_json: {"code", "reason", "line", "certificate"}, the same in trim and split.
void to_json(nlohmann::ordered_json& j, const Dropped& d);

struct SelectOptions {
  std::int64_t at = 0;                       ///< expiry is judged at this time
  std::vector<std::string> keep_issuers_of;  ///< certificate files: keep the CAs of their chains
  std::vector<std::string> keep;             ///< SHA-256 fingerprints (any case, colons optional) or subjects
};

/// Selection: which certificates of a checked bundle a clean bundle keeps.
struct Selection {
  std::vector<std::size_t> kept;   ///< indexes into BundleReport::certs, file order
  std::vector<Dropped> dropped;    ///< every other object with its reason, file order
  std::vector<std::string> notes;  ///< e.g. "kept on request although expired"
};

/// select_cas keeps each distinct, unexpired CA certificate; with keep_issuers_of or
/// keep, only those that verify the given certificates' chains (at `at`, partial
/// chains allowed) or match. A --keep'd certificate is kept even if expired or not a
/// CA. Throws Error when a keep_issuers_of file cannot be read or its chain cannot be
/// built from the bundle, or a --keep matches nothing.
Selection select_cas(const BundleReport& report, const SelectOptions& options);

/// pem_bundle renders the kept certificates as PEM, each after a "# subject" comment.
std::string pem_bundle(const BundleReport& report, const std::vector<std::size_t>& kept);

/// measure_kept: the CA list of a bundle made of the kept certificates.
CaListSize measure_kept(const BundleReport& report, const std::vector<std::size_t>& kept);

// --- bundle trim -----------------------------------------------------------------

struct TrimRequest {
  std::string path;
  std::string out;         ///< "-": write no file (the caller prints TrimResult::pem)
  bool overwrite = false;  ///< --force
  SelectOptions select;
  bool dry_run = false;  ///< --dry-run: select and check the target, write nothing
};

struct TrimResult {
  std::string path;
  std::string out;
  std::size_t certificates = 0;  ///< in the input
  std::vector<CertRef> kept;
  std::vector<Dropped> dropped;
  std::vector<std::string> notes;
  CaListSize before;  ///< the input's CA list (what sendmail sends today)
  CaListSize after;
  std::string pem;  ///< the clean bundle (what out holds)
  std::vector<std::string> warnings;
};

/// trim_bundle writes the selected certificates to request.out atomically (never over
/// an existing file without overwrite). Throws Error; nothing is written then.
TrimResult trim_bundle(const TrimRequest& request);
std::string to_json(const TrimResult& result);  ///< schema "mtlscert.bundle-trim/1"

// --- bundle split ----------------------------------------------------------------

struct SplitRequest {
  std::string path;
  std::string cacert;       ///< the short confCACERT to write
  std::string cacert_path;  ///< the confCACERT_PATH directory (created if missing)
  bool overwrite = false;   ///< --force: replace cacert and same-named files in the directory
  SelectOptions advertise;  ///< keep_issuers_of = --advertise CERT…, keep = --keep
  bool dry_run = false;     ///< --dry-run: select and check every target, write nothing
};

struct SplitResult {
  std::string path;
  std::string cacert;       ///< absolute
  std::string cacert_path;  ///< absolute
  std::vector<CertRef> advertised;
  std::size_t trusted = 0;                 ///< CA files in the directory
  std::vector<std::string> files_written;  ///< in the directory (with dry_run: that would be)
  std::vector<Dropped> dropped;            ///< left out of the directory
  CaListSize before;                       ///< the whole bundle as confCACERT
  CaListSize after;                        ///< the short confCACERT
  std::size_t links_created = 0;           ///< with dry_run: links that would be created
  std::vector<std::string> warnings;
};

/// split_bundle writes the advertised CAs to cacert and every clean CA of the bundle
/// to cacert_path (one PEM file each, named after its subject), then rehashes it.
/// Throws Error; cacert is written last, so a failure leaves no half confCACERT.
SplitResult split_bundle(const SplitRequest& request);
/// split_define_lines: the two sendmail.mc lines that use the split files (CA file, then directory).
std::vector<std::string> split_define_lines(const SplitResult& result);
std::string to_json(const SplitResult& result);  ///< schema "mtlscert.bundle-split/1"

}  // namespace mtlscert
