// genkey.h: the genkey operation: make a key and store it safely.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "pki/key.h"

namespace mtlscert {

struct KeyFileRequest {
  KeySpec spec;
  std::string path;        ///< where to write; must not exist unless overwrite
  bool overwrite = false;  ///< --force
  std::string group;       ///< --group: make the file 0640 with this group (Debian's root:smmsp)
  bool dry_run = false;    ///< --dry-run: make the key and check the target, write nothing
};

struct KeyFileResult {
  std::string path;
  mode_t mode = 0600;
  std::string group;  ///< empty unless --group
  KeySummary key;
  std::vector<std::string> warnings;
};

/// create_key_file generates a key and writes it as unencrypted PKCS#8 PEM with
/// write_file_atomic: mode 0600 (0640 + group with request.group) from the first
/// byte, never over an existing file unless overwrite, nothing left behind on
/// failure. Throws Error. With dry_run, every check and no write.
KeyFileResult create_key_file(const KeyFileRequest& request);

/// key_spec_warnings: advice about a key choice (Ed25519 and SMTP peers, …).
std::vector<std::string> key_spec_warnings(const KeySpec& spec);

/// to_json: the genkey --json document (schema "mtlscert.genkey/1").
std::string to_json(const KeyFileResult& result);

}  // namespace mtlscert
