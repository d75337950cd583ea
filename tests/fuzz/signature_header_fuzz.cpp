// libFuzzer target: Antom's signature header, as sent or as pasted into `paynotify verify`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/antom/signature_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = paynotify::parse_signature_header(text);
  if (parsed.header && parsed.header->signature.empty())
    __builtin_trap();  // a parse always carries bytes
  (void)paynotify::parse_signature_header(paynotify::signature_header_from_pasted(text));
  return 0;
}
