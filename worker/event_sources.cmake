# Notification -> event, with every kind's file (worker/kinds/): compiled into the worker and,
# on their own, into the fuzz targets (tests/fuzz), which include this file too.
set(PAYNOTIFY_EVENT_SOURCES
  payment_event.cpp
  kinds/capture_result.cpp
  kinds/dispute.cpp
  kinds/dispute_accepted.cpp
  kinds/dispute_cancelled.cpp
  kinds/dispute_created.cpp
  kinds/dispute_defense_due_alert.cpp
  kinds/dispute_defense_supplied.cpp
  kinds/dispute_judged.cpp
  kinds/dispute_rdr_resolved.cpp
  kinds/kinds.cpp
  kinds/notification_fields.cpp
  kinds/payment_pending.cpp
  kinds/payment_result.cpp
  kinds/refund_result.cpp
  kinds/update_amount_result.cpp
)
list(TRANSFORM PAYNOTIFY_EVENT_SOURCES PREPEND ${CMAKE_CURRENT_LIST_DIR}/)
