#include "pki/crl_check.h"

#include <fmt/format.h>

#include "core/ossl_error.h"
#include "core/text.h"
#include "pki/cert_info.h"
#include "pki/objects.h"

namespace mtlscert {
namespace {

std::string name_text(const X509_NAME* name) {
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// The trusted CA whose subject is the CRL's issuer and whose key verifies it; *named is set
// when some CA has that subject (a key mismatch is then a signature failure, not a stranger).
X509* find_issuer(X509_STORE* cas, X509_CRL* crl, bool* named) {
  *named = false;
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(cas);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    X509* ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
    if (ca == nullptr || X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) != 0) continue;
    *named = true;
    if (X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1) return ca;
  }
  // Not among the loaded objects: a hashed directory (CACertPath) is searched by name.
  ossl::Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (ctx && X509_STORE_CTX_init(ctx.get(), cas, nullptr, nullptr) == 1) {
    X509_OBJECT* obj = X509_STORE_CTX_get_obj_by_subject(ctx.get(), X509_LU_X509, X509_CRL_get_issuer(crl));
    if (obj != nullptr) {
      *named = true;
      X509* ca = X509_OBJECT_get0_X509(obj);
      const bool ok = ca != nullptr && X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1;
      X509_OBJECT_free(obj);
      ossl::clear_errors();
      if (ok) return ca;  // still owned by the store's cache
    }
  }
  ossl::clear_errors();
  return nullptr;
}

}  // namespace

std::vector<Finding> check_crl_file(const CrlCheckRequest& r, const std::string& unusable_log) {
  std::vector<Finding> out;
  auto add = [&](Level level, const char* code, std::string message, std::string hint, std::string log = {}) {
    out.push_back(Finding{.level = level,
                          .code = code,
                          .message = std::move(message),
                          .hint = std::move(hint),
                          .path = r.path,
                          .cert = {},
                          .sendmail_log = std::move(log),
                          .logged_by = lower(r.mta)});
  };
  PkiFile file;
  try {
    file = load_objects_file(r.path, "CRL file");
  } catch (const Error&) {
  }
  if (file.count(ObjectKind::Crl) == 0) {
    add(Level::Warn, "crl-unreadable",
        fmt::format("CRL file {} holds no PEM CRL: {} logs an error and checks no revocation (measured: "
                    "STARTTLS is still offered)",
                    r.path, r.mta),
        "give a PEM CRL (BEGIN X509 CRL), e.g. from mtlscert ca crl, or drop --crl", unusable_log);
    return out;
  }
  const Level fatal = r.openssl ? Level::Error : Level::Warn;
  auto fails_all = [&](const char* reason) {
    return r.openssl ? fmt::format("{} fails every client certificate the CA issued (reason={})", r.mta, reason)
                     : fmt::format(
                           "{} (GnuTLS) does not refuse the CA's certificates for it (measured for an "
                           "expired CRL), but peers using OpenSSL would",
                           r.mta);
  };
  const std::string rewrite =
      "rewrite it now (mtlscert ca crl --dir CADIR -o FILE, from cron before each nextUpdate), "
      "then restart the MTA";
  for (const auto& o : file.objects) {
    if (o.kind != ObjectKind::Crl || !o.crl) continue;
    X509_CRL* crl = o.crl.get();
    const std::string issuer = name_text(X509_CRL_get_issuer(crl));
    if (r.cas != nullptr) {
      bool named = false;
      if (find_issuer(r.cas, crl, &named) == nullptr) {
        if (named) {
          add(fatal, "crl-signature",
              fmt::format("CRL of '{}' in {} does not verify with that CA's key in {}: {}", issuer, r.path, r.ca_files,
                          fails_all("CRL signature failure")),
              "write the CRL with the CA's own key (mtlscert ca crl --dir CADIR), or fix the CA file");
        } else {
          add(Level::Warn, "crl-issuer-unknown",
              fmt::format("CRL of '{}' in {}: no CA in {} has that name, so it revokes nothing {} checks", issuer,
                          r.path, r.ca_files, r.mta),
              "give the CRL of the CA that issues your clients' certificates");
        }
        continue;
      }
    }
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    std::int64_t this_update = 0, next_update = 0;
    try {
      this_update = asn1_time_to_epoch(X509_CRL_get0_lastUpdate(crl));
      if (next != nullptr) next_update = asn1_time_to_epoch(next);
    } catch (const Error&) {
      continue;
    }
    if (this_update > static_cast<std::int64_t>(r.now)) {
      add(fatal, "crl-not-yet-valid",
          fmt::format("CRL of '{}' in {} is not valid before {}: until then {}", issuer, r.path, iso8601(this_update),
                      fails_all("CRL is not yet valid")),
          "check this machine's clock, or rewrite the CRL");
    } else if (next == nullptr) {
      add(Level::Notice, "crl-no-next-update",
          fmt::format("CRL of '{}' in {} has no nextUpdate: nothing tells peers when a newer one is due", issuer,
                      r.path),
          "write CRLs with a nextUpdate (mtlscert ca crl --days N)");
    } else if (next_update < static_cast<std::int64_t>(r.now)) {
      add(fatal, "crl-expired",
          fmt::format("CRL of '{}' in {} expired on {} (nextUpdate): {}{}", issuer, r.path, iso8601(next_update),
                      fails_all("CRL has expired"), r.openssl ? ", so none of them relays" : ""),
          rewrite);
    } else if (next_update - static_cast<std::int64_t>(r.now) < std::int64_t{r.warn_days} * 86400) {
      add(Level::Warn, "crl-expires-soon",
          fmt::format("CRL of '{}' in {} expires on {} (nextUpdate): from then {}", issuer, r.path,
                      iso8601(next_update), fails_all("CRL has expired")),
          rewrite);
    }
  }
  return out;
}

}  // namespace mtlscert
