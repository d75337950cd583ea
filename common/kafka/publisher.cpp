#include "common/kafka/publisher.hpp"

#include "common/service/failure.hpp"

#include <future>
#include <memory>

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

OutgoingRecord owned_record(const RecordView& record) {
  OutgoingRecord owned{
      std::string(record.topic), std::string(record.key), std::string(record.value), {}};
  owned.headers.reserve(record.headers.size());
  for (const auto& [name, value] : record.headers) owned.headers.emplace_back(name, value);
  return owned;
}

void Publisher::publish_view(const RecordView& record, DeliveryCallback on_delivery) {
  publish(owned_record(record), std::move(on_delivery));
}

DeliveryResult publish_and_wait(Publisher& publisher, OutgoingRecord record,
                                std::chrono::milliseconds timeout) {
  // Shared: the report may come after this has stopped waiting.
  auto delivered = std::make_shared<std::promise<DeliveryResult>>();
  auto result = delivered->get_future();
  publisher.publish(std::move(record),
                    [delivered](const DeliveryResult& r) { delivered->set_value(r); });
  return result.wait_for(timeout) == std::future_status::ready ? result.get()
                                                               : failure(DeliveryError::no_report);
}

}  // namespace paynotify
