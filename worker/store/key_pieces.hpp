#pragma once
// A store key as the pieces it is written from. A script call writes the pieces where they go
// (ScriptWords); everything else takes the key as a string. The pieces are views: what they are
// made from must outlive them.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace paynotify::worker {

struct KeyPieces {
  std::array<std::string_view, 4> pieces{};
  std::size_t size() const {
    std::size_t n = 0;
    for (const auto p : pieces) n += p.size();
    return n;
  }
  std::string str() const {
    std::string out;
    out.reserve(size());
    for (const auto p : pieces) out.append(p);
    return out;
  }
};

}  // namespace paynotify::worker
