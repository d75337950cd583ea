#include "common/antom/antom_reply.hpp"

#include <boost/json.hpp>

namespace paynotify {

std::string antom_failure_body(std::string_view result_code, std::string_view message) {
  boost::json::object result;
  result["resultCode"] = result_code;
  result["resultStatus"] = "F";
  result["resultMessage"] = message;
  boost::json::object body;
  body["result"] = std::move(result);
  return boost::json::serialize(body);
}

}  // namespace paynotify
