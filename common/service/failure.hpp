#pragma once
// How a seam says what went wrong (STYLE.md): boost::system::result, with an error code from
// one category per seam (the store, the order call, Kafka delivery, librdkafka), each an enum
// and a sentence per value, and where a transport said more, its words beside the code.

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace paynotify {

// Boost's error_category has a protected non-virtual destructor (categories are never
// deleted through a base pointer), which -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
template <typename Enum>
class EnumErrorCategory final : public boost::system::error_category {
 public:
  using Describe = std::string_view (*)(Enum);
  constexpr EnumErrorCategory(const char* name, Describe describe)
      : name_(name), describe_(describe) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int value) const override {
    const std::string_view said = describe_(static_cast<Enum>(value));
    return said.empty() ? std::string(name_) + " error " + std::to_string(value)
                        : std::string(said);
  }

 private:
  const char* name_;
  Describe describe_;
};
#pragma GCC diagnostic pop

// A code and what the transport or the server said (for logs, answers and dead letters).
struct Failure {
  boost::system::error_code code;
  std::string detail;
};

// Failure{code, detail} from a seam's own enum (its make_error_code found by ADL).
template <typename Enum>
Failure failure(Enum e, std::string detail = {}) {
  return {make_error_code(e), std::move(detail)};
}

// "<the code's sentence>: <detail>", or the sentence alone.
inline std::string describe(const Failure& f) {
  std::string out = f.code.message();
  if (!f.detail.empty()) out.append(": ").append(f.detail);
  return out;
}

}  // namespace paynotify
