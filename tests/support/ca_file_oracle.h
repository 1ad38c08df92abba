// ca_file_oracle.h (tests): OpenSSL itself reading a confCACERT, the way sendmail does:
// SSL_load_client_CA_file() for the names sent and X509_STORE_load_file() for whether
// the file loads. read_ca_file() must agree with it on every input (fuzz_ca_file.cc,
// ca_file_test.cc). Header-only so the fuzz targets need no doctest.
#pragma once

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "bundle/ca_file.h"

namespace mtlscert::oracle {

struct Verdict {
  bool loads = false;
  std::vector<std::string> names;  ///< DER, in the order SSL_load_client_CA_file returns them
};

/// detach_terminal: SSL_load_client_CA_file passes no passphrase callback, so an
/// encrypted block would make OpenSSL prompt on /dev/tty; a daemon (sendmail) has none.
inline void detach_terminal() {
  if (setsid() < 0) {
    int fd = ::open("/dev/tty", 0);
    if (fd >= 0) {
      ioctl(fd, TIOCNOTTY);
      ::close(fd);
    }
  }
  if (std::freopen("/dev/null", "r", stdin) == nullptr) std::abort();
}

/// openssl_reads: the verdict of OpenSSL's own functions on the file at path.
inline Verdict openssl_reads(const std::string& path) {
  Verdict v;
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(path.c_str())) {
    for (int i = 0; i < sk_X509_NAME_num(names); ++i) {
      unsigned char* der = nullptr;
      int len = i2d_X509_NAME(sk_X509_NAME_value(names, i), &der);
      if (len > 0) v.names.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
      OPENSSL_free(der);
    }
    sk_X509_NAME_pop_free(names, X509_NAME_free);
  }
  X509_STORE* store = X509_STORE_new();
  v.loads = X509_STORE_load_file(store, path.c_str()) == 1;
  X509_STORE_free(store);
  ERR_clear_error();
  return v;
}

/// write_file: the bytes to path (the oracle reads a real file, as sendmail does).
inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// difference: empty when ours agrees with OpenSSL's verdict, else what differs.
inline std::string difference(const CaFile& ours, const Verdict& theirs) {
  std::string d;
  if (ours.loads != theirs.loads) d += fmt::format("loads: ours {} openssl {}; ", ours.loads, theirs.loads);
  if (ours.names.size() != theirs.names.size()) {
    d += fmt::format("names: ours {} openssl {}; ", ours.names.size(), theirs.names.size());
  } else if (ours.names != theirs.names) {
    d += "names differ in bytes or order; ";
  }
  if (ours.list().list_bytes != ca_list_of_names(theirs.names).list_bytes) {
    d += fmt::format("list bytes: ours {} openssl {}", ours.list().list_bytes,
                     ca_list_of_names(theirs.names).list_bytes);
  }
  return d;
}

}  // namespace mtlscert::oracle
