// Fuzz target: inspect of an untrusted file, rendered as text and as the --json document,
// which must always parse back as JSON with the schema and one file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "pki/inspect.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<mtlscert::InspectedFile> files(1);
  try {
    files[0] = mtlscert::inspect_bytes(bytes, "fuzz.pem", 1700000000);
    (void)files[0].what();
    (void)files[0].broken();
    (void)mtlscert::inspect_text(files[0]);
  } catch (const mtlscert::Error& e) {
    files[0] = {};
    files[0].path = "fuzz.pem";
    files[0].error = e.what();
  }
  std::string doc = mtlscert::to_json(files);
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(doc);
  } catch (const nlohmann::json::exception&) {
    __builtin_trap();
  }
  if (parsed.value("schema", "") != "mtlscert.inspect/1") __builtin_trap();
  return 0;
}
