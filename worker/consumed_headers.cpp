#include "worker/consumed_headers.hpp"

#include <algorithm>

namespace paynotify::worker {

namespace {

// A visitor's walk over name/value pairs, for gathered().
template <typename Pairs>
auto each_of(const Pairs& headers) {
  return [&headers](auto&& visit) {
    for (const auto& [name, value] : headers) visit(name, value);
  };
}

}  // namespace

ConsumedHeaders::ConsumedHeaders(const RecordHeaders& headers)
    : ConsumedHeaders(gathered(each_of(headers))) {}

ConsumedHeaders::ConsumedHeaders(
    std::initializer_list<std::pair<std::string_view, std::string_view>> headers)
    : ConsumedHeaders(gathered(each_of(headers))) {}

void ConsumedHeaders::reserve(std::size_t count, std::size_t bytes) {
  entries_.reserve(count);
  // Never in the string's own short buffer, which a move would carry to a new address: a
  // header's view stays valid when its record moves.
  text_.reserve(std::max<std::size_t>(bytes, sizeof(std::string)));
}

void ConsumedHeaders::add(std::string_view name, std::string_view value) {
  // Kafka bounds a record far below 4 GiB, so the offsets fit.
  entries_.push_back({static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(name.size()),
                      static_cast<uint32_t>(value.size())});
  text_.append(name).append(value);
}

std::pair<std::string_view, std::string_view> ConsumedHeaders::operator[](std::size_t i) const {
  const Entry& e = entries_[i];
  const std::string_view text(text_);
  return {text.substr(e.at, e.name_size), text.substr(e.at + e.name_size, e.value_size)};
}

std::string_view ConsumedHeaders::get(std::string_view name) const {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto [n, v] = (*this)[i];
    if (n == name) return v;
  }
  return {};
}

}  // namespace paynotify::worker
