# FindUnbound: libunbound (DNSSEC-validating resolver library; Debian: libunbound-dev). Its
# pkg-config file requires libevent's and nettle's .pc files for static links only, so find the
# header and the shared library directly.
find_path(UNBOUND_INCLUDE_DIR NAMES unbound.h)
find_library(UNBOUND_LIBRARY NAMES unbound)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Unbound REQUIRED_VARS UNBOUND_LIBRARY UNBOUND_INCLUDE_DIR)
if(Unbound_FOUND AND NOT TARGET Unbound::Unbound)
  add_library(Unbound::Unbound UNKNOWN IMPORTED)
  set_target_properties(Unbound::Unbound PROPERTIES
    IMPORTED_LOCATION "${UNBOUND_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${UNBOUND_INCLUDE_DIR}")
endif()
mark_as_advanced(UNBOUND_INCLUDE_DIR UNBOUND_LIBRARY)
