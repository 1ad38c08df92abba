# FindIDN2: libidn2 ships no CMake package; find its header and library (Debian: libidn2-dev).
find_path(IDN2_INCLUDE_DIR NAMES idn2.h)
find_library(IDN2_LIBRARY NAMES idn2)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(IDN2 REQUIRED_VARS IDN2_LIBRARY IDN2_INCLUDE_DIR)
if(IDN2_FOUND AND NOT TARGET IDN2::IDN2)
  add_library(IDN2::IDN2 UNKNOWN IMPORTED)
  set_target_properties(IDN2::IDN2 PROPERTIES
    IMPORTED_LOCATION "${IDN2_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${IDN2_INCLUDE_DIR}")
endif()
mark_as_advanced(IDN2_INCLUDE_DIR IDN2_LIBRARY)
