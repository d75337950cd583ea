#pragma once
// A consumed record's headers, copied out of librdkafka's message into one block: one
// allocation for all of them instead of two per header (a record carries about ten).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/kafka/publisher.hpp"

namespace paynotify::worker {

class ConsumedHeaders {
 public:
  ConsumedHeaders() = default;
  // From name/value pairs (tests, records built by hand); implicit, so that a record built as
  // an aggregate reads as one.
  ConsumedHeaders(const RecordHeaders& headers);
  ConsumedHeaders(std::initializer_list<std::pair<std::string_view, std::string_view>> headers);

  // Before add(): room for `count` headers of `bytes` bytes in all, so that adding them
  // allocates nothing more.
  void reserve(std::size_t count, std::size_t bytes);
  void add(std::string_view name, std::string_view value);

  // The headers for_each(visit) hands over, calling visit(name, value) for each: sized in a
  // first pass, then copied into a block reserved once.
  template <typename ForEach>
  static ConsumedHeaders gathered(ForEach&& for_each) {
    ConsumedHeaders out;
    std::size_t count = 0, bytes = 0;
    for_each([&](std::string_view name, std::string_view value) {
      ++count;
      bytes += name.size() + value.size();
    });
    out.reserve(count, bytes);
    for_each([&](std::string_view name, std::string_view value) { out.add(name, value); });
    return out;
  }

  std::string_view get(std::string_view name) const;  // "" when absent; first when repeated
  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const { return text_.size(); }  // names and values
  std::pair<std::string_view, std::string_view> operator[](std::size_t i) const;

  class Iterator;
  Iterator begin() const;
  Iterator end() const;

 private:
  struct Entry {
    uint32_t at;  // the name, then the value right after it
    uint32_t name_size;
    uint32_t value_size;
  };
  std::string text_;
  std::vector<Entry> entries_;
};

class ConsumedHeaders::Iterator {
 public:
  Iterator(const ConsumedHeaders& headers, std::size_t i) : headers_(&headers), i_(i) {}
  std::pair<std::string_view, std::string_view> operator*() const { return (*headers_)[i_]; }
  Iterator& operator++() {
    ++i_;
    return *this;
  }
  bool operator==(const Iterator& o) const { return i_ == o.i_; }

 private:
  const ConsumedHeaders* headers_;
  std::size_t i_;
};

inline ConsumedHeaders::Iterator ConsumedHeaders::begin() const { return {*this, 0}; }
inline ConsumedHeaders::Iterator ConsumedHeaders::end() const { return {*this, entries_.size()}; }

}  // namespace paynotify::worker
