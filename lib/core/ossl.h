// ossl.h: RAII ownership for OpenSSL objects. One deleter per type, nothing else.
//
// Every OpenSSL object libmtlscert owns lives in an ossl::Ptr<T>; no bare *_free
// call appears elsewhere. Stacks come in two flavours because freeing them differs:
// an OwnedX509Stack frees its certificates too (sk_X509_pop_free), a
// BorrowedX509Stack frees only the stack (sk_X509_free) and must not outlive the
// certificates it points to.
#pragma once

#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mtlscert::ossl {

template <typename T>
struct Deleter;

#define MTLSCERT_OSSL_DELETER(type, free_fn)                \
  template <>                                               \
  struct Deleter<type> {                                    \
    void operator()(type* p) const noexcept { free_fn(p); } \
  }

MTLSCERT_OSSL_DELETER(BIO, BIO_free_all);
MTLSCERT_OSSL_DELETER(BIGNUM, BN_free);
MTLSCERT_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
MTLSCERT_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
MTLSCERT_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
MTLSCERT_OSSL_DELETER(EVP_MD, EVP_MD_free);
MTLSCERT_OSSL_DELETER(X509, X509_free);
MTLSCERT_OSSL_DELETER(X509_REQ, X509_REQ_free);
MTLSCERT_OSSL_DELETER(X509_CRL, X509_CRL_free);
MTLSCERT_OSSL_DELETER(X509_NAME, X509_NAME_free);
MTLSCERT_OSSL_DELETER(X509_EXTENSION, X509_EXTENSION_free);
MTLSCERT_OSSL_DELETER(X509_STORE, X509_STORE_free);
MTLSCERT_OSSL_DELETER(X509_STORE_CTX, X509_STORE_CTX_free);
MTLSCERT_OSSL_DELETER(X509_PUBKEY, X509_PUBKEY_free);
// ASN1_TIME, ASN1_INTEGER, ASN1_OCTET_STRING and ASN1_BIT_STRING are all one C type
// (asn1_string_st), so a single deleter serves Ptr<ASN1_TIME>, Ptr<ASN1_INTEGER>, …
MTLSCERT_OSSL_DELETER(ASN1_STRING, ASN1_STRING_free);
MTLSCERT_OSSL_DELETER(ASN1_OBJECT, ASN1_OBJECT_free);
MTLSCERT_OSSL_DELETER(BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free);
MTLSCERT_OSSL_DELETER(AUTHORITY_KEYID, AUTHORITY_KEYID_free);
MTLSCERT_OSSL_DELETER(GENERAL_NAMES, GENERAL_NAMES_free);
MTLSCERT_OSSL_DELETER(GENERAL_NAME, GENERAL_NAME_free);
MTLSCERT_OSSL_DELETER(EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free);
MTLSCERT_OSSL_DELETER(PKCS7, PKCS7_free);
MTLSCERT_OSSL_DELETER(SSL_CTX, SSL_CTX_free);
MTLSCERT_OSSL_DELETER(SSL, SSL_free);
MTLSCERT_OSSL_DELETER(OSSL_DECODER_CTX, OSSL_DECODER_CTX_free);
MTLSCERT_OSSL_DELETER(OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free);

#undef MTLSCERT_OSSL_DELETER

/// Ptr<T>: sole owner of one OpenSSL object; frees it with the matching *_free.
template <typename T>
using Ptr = std::unique_ptr<T, Deleter<T>>;

/// Frees the stack and every certificate on it.
struct OwnedX509StackDeleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
/// Frees only the stack; the certificates belong to someone else.
struct BorrowedX509StackDeleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};
using OwnedX509Stack = std::unique_ptr<STACK_OF(X509), OwnedX509StackDeleter>;
using BorrowedX509Stack = std::unique_ptr<STACK_OF(X509), BorrowedX509StackDeleter>;

/// Frees a stack of X509_EXTENSION and its elements.
struct OwnedExtensionStackDeleter {
  void operator()(STACK_OF(X509_EXTENSION) * s) const noexcept { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
};
using OwnedExtensionStack = std::unique_ptr<STACK_OF(X509_EXTENSION), OwnedExtensionStackDeleter>;

/// Frees a stack of X509_NAME and its elements (SSL_load_client_CA_file, SSL_get_client_CA_list copies).
struct OwnedNameStackDeleter {
  void operator()(STACK_OF(X509_NAME) * s) const noexcept { sk_X509_NAME_pop_free(s, X509_NAME_free); }
};
using OwnedNameStack = std::unique_ptr<STACK_OF(X509_NAME), OwnedNameStackDeleter>;

/// up_ref: a second owner of a reference-counted object.
inline Ptr<X509> up_ref(X509* x) {
  if (x != nullptr) X509_up_ref(x);
  return Ptr<X509>(x);
}
inline Ptr<EVP_PKEY> up_ref(EVP_PKEY* k) {
  if (k != nullptr) EVP_PKEY_up_ref(k);
  return Ptr<EVP_PKEY>(k);
}

}  // namespace mtlscert::ossl
