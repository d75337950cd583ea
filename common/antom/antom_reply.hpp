#pragma once
// The answers paynotify gives Antom, in Antom's `result` shape.

#include <string>
#include <string_view>

namespace paynotify {

// Exactly what Antom requires for "received"; anything else makes it re-send.
inline constexpr std::string_view kAntomSuccessBody =
    R"({"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}})";

// A failure answer: resultStatus F, a stable code and a short human message.
std::string antom_failure_body(std::string_view result_code, std::string_view message);

}  // namespace paynotify
