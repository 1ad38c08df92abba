# Packaging.cmake: the Debian package (cpack -G DEB), installed under /usr.
# Runtime dependencies are computed from the binary by dpkg-shlibdeps (libssl3,
# libfmt9, libidn2-0, libc6, libstdc++6 …), so they cannot drift from what it links.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "mtlscert")
set(CPACK_PACKAGE_VENDOR "mtlscert developers")
set(CPACK_PACKAGE_CONTACT "mtlscert developers <mtlscert@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "STARTTLS certificates for mail servers, done right")
set(CPACK_PACKAGE_DESCRIPTION "mtlscert takes a mail server (sendmail, Postfix, Exim) from no certificate
to verified STARTTLS: safe private keys, CSRs naming the MX host, short CA
lists (no TLS alert 47), ready-to-paste sendmail.mc lines, and probes.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "mail")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssl, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sendmail-bin, sendmail-cf, m4, swaks")
set(CPACK_STRIP_FILES ON)
include(CPack)
