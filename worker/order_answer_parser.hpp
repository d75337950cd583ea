#pragma once
// The order service's answer as the worker reads it: its status and the first bytes of its
// body, nothing else kept. Beast's response_parser stores every field in a node of its own;
// this parser only looks at them as they pass (Beast still reads the framing from them:
// Content-Length, chunking, keep-alive).

#include <boost/beast/http/basic_parser.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace paynotify::worker {

class OrderAnswerParser final : public boost::beast::http::basic_parser<false> {
 public:
  explicit OrderAnswerParser(std::size_t body_kept) : body_kept_(body_kept) {}

  unsigned status() const { return status_; }
  const std::string& body() const { return body_; }  // at most body_kept bytes of it

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void keep(string_view part) {
    body_.append(part.data(), std::min(part.size(), body_kept_ - body_.size()));
  }

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}  // never called for an answer
  void on_response_impl(int code, string_view, int, error_code&) override {
    status_ = static_cast<unsigned>(code);
  }
  void on_field_impl(boost::beast::http::field, string_view, string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view part, error_code&) override {
    keep(part);
    return part.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view part, error_code&) override {
    keep(part);
    return part.size();
  }
  void on_finish_impl(error_code&) override {}

  std::size_t body_kept_;
  unsigned status_ = 0;
  std::string body_;
};

}  // namespace paynotify::worker
