#include "common/kafka/publisher.hpp"

#include "common/service/failure.hpp"

namespace paynotify {
namespace {

std::string_view delivery_error_message(DeliveryError e) {
  switch (e) {
    case DeliveryError::not_queued: return "not queued";
    case DeliveryError::not_written: return "not written";
    case DeliveryError::unconfirmed:
      return "delivery not confirmed: reported without an offset (an implicit acknowledgement)";
    case DeliveryError::no_report: return "no delivery report within the acknowledgement timeout";
  }
  return {};
}

}  // namespace

const boost::system::error_category& delivery_category() {
  static const EnumErrorCategory<DeliveryError> category("paynotify.delivery",
                                                         delivery_error_message);
  return category;
}

boost::system::error_code make_error_code(DeliveryError e) {
  return {static_cast<int>(e), delivery_category()};
}

}  // namespace paynotify
