#pragma once
// Whether Beast refused what it read as HTTP: a malformed message (a bad start line, field or
// framing, a limit exceeded), as opposed to the stream ending before a whole message
// (end_of_stream, partial_message) or an error of the connection itself. The ingest answers
// the first with a 400; the worker does not send an order call again for it.

#include <boost/beast/http/error.hpp>

namespace paynotify {

inline bool is_http_parse_error(const boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  return ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace paynotify
