#pragma once
// Reading one series back from the Prometheus text a registry or an admin port renders.

#include <string>

namespace paynotify::testing {

// The value of `series` (name and labels exactly as rendered, e.g. `x_total{kind="A"}`); -1
// when the text holds no such series.
inline double series_value(const std::string& metrics_text, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const std::string text = "\n" + metrics_text;
  const auto at = text.find(needle);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + needle.size()));
}

}  // namespace paynotify::testing
