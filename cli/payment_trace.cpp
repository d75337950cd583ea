#include "cli/payment_trace.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <sstream>

#include "common/antom/request_time.hpp"
#include "common/antom/signature_header.hpp"
#include "common/kafka/record_headers.hpp"
#include "worker/payment_event.hpp"

namespace paynotify::cli {

namespace json = boost::json;

namespace {

std::string_view role_of(const ConsumedRecord& r, const std::string& main_topic) {
  if (r.topic == main_topic) return "main";
  if (r.topic == main_topic + ".retry") return "retry";
  if (r.topic == main_topic + ".dlq") return "dead-letter";
  if (r.topic == main_topic + ".anomalies") return "anomaly";
  return "other";
}

int64_t header_ms(const ConsumedRecord& r, std::string_view name) {
  const std::string_view v = r.header(name);
  int64_t ms = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') return 0;
    ms = ms * 10 + (c - '0');
  }
  return ms;
}

json::value time_or_null(int64_t ms) {
  return ms > 0 ? json::value(iso8601_utc(ms)) : json::value(nullptr);
}

struct Derived {
  std::string event_id, kind, type, error;
};

Derived derive(const ConsumedRecord& r) {
  const auto d = worker::derive_event(r.value, header_ms(r, header::kReceivedAt));
  Derived out{{}, d.kind, {}, d.error};
  if (d.event) {
    out.event_id = d.event->event_id;
    out.type = std::string(d.event->type);
  }
  return out;
}

// What proves the record came from Antom: never the signature itself.
json::object evidence(const ConsumedRecord& r) {
  json::object e{{"clientId", r.header(header::kClientId)},
                 {"requestTime", r.header(header::kRequestTime)},
                 {"requestUri", r.header(header::kRequestUri)}};
  const auto parsed = parse_signature_header(r.header(header::kSignature));
  e["keyVersion"] = parsed.header ? json::value(parsed.header->key_version) : json::value(nullptr);
  e["fromInquiry"] = !r.header(header::kInquiryAnswer).empty();
  return e;
}

json::object record_json(const ConsumedRecord& r, std::string_view role, const Derived& d) {
  json::object o{{"topic", r.topic},
                 {"role", role},
                 {"partition", r.partition},
                 {"offset", r.offset},
                 {"time", time_or_null(r.timestamp_ms)}};
  if (role == "anomaly") {
    boost::system::error_code ec;
    const auto a = json::parse(r.value, ec);
    if (!ec && a.is_object()) {
      for (const char* f : {"anomalyId", "kind", "detail"}) {
        if (const auto* v = a.as_object().if_contains(f)) o[f] = *v;
      }
    }
    return o;
  }
  o["kind"] = d.kind;
  o["eventId"] = d.event_id.empty() ? json::value(nullptr) : json::value(d.event_id);
  if (!d.type.empty()) o["type"] = d.type;
  if (d.event_id.empty()) o["noEvent"] = d.error;
  o["receivedAt"] = time_or_null(header_ms(r, header::kReceivedAt));
  o["evidence"] = evidence(r);
  if (role == "retry" || role == "dead-letter") {
    o["attempt"] = std::string(r.header(header::kAttempt));
    o["errorClass"] = std::string(r.header(header::kErrorClass));
    o["error"] = std::string(r.header(header::kError));
    if (role == "retry") o["notBefore"] = time_or_null(header_ms(r, header::kNotBefore));
  }
  return o;
}

}  // namespace

std::string event_id_of(const ConsumedRecord& record, const std::string& main_topic) {
  return role_of(record, main_topic) == "anomaly" ? std::string() : derive(record).event_id;
}

std::vector<std::string> traced_event_ids(const TraceInput& in) {
  std::vector<std::string> ids;
  for (const auto& r : in.records) {
    std::string id = event_id_of(r, in.main_topic);
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end())
      ids.push_back(std::move(id));
  }
  return ids;
}

json::object payment_trace(const TraceInput& in) {
  std::vector<const ConsumedRecord*> ordered;
  for (const auto& r : in.records) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return a->timestamp_ms < b->timestamp_ms; });
  json::array records;
  // Per event: what it is, and its latest record (the last word on what became of it).
  struct Seen {
    Derived d;
    json::object latest;
    std::string latest_role;
  };
  std::vector<std::pair<std::string, Seen>> events;
  for (const auto* r : ordered) {
    const std::string_view role = role_of(*r, in.main_topic);
    const Derived d = role == "anomaly" ? Derived{} : derive(*r);
    json::object o = record_json(*r, role, d);
    if (!d.event_id.empty()) {
      auto it = std::find_if(events.begin(), events.end(),
                             [&](const auto& e) { return e.first == d.event_id; });
      if (it == events.end()) it = events.insert(events.end(), {d.event_id, Seen{d, {}, {}}});
      it->second.latest = o;
      it->second.latest_role = std::string(role);
    }
    records.push_back(std::move(o));
  }
  json::array event_list;
  for (const auto& [id, seen] : events) {
    json::object e{{"eventId", id}, {"kind", seen.d.kind}, {"type", seen.d.type}};
    const auto found = in.states.find(id);
    const worker::EventState state =
        found == in.states.end() ? worker::EventState{} : found->second;
    e["state"] = std::string(worker::describe(state.is));
    if (state.is == worker::EventState::Is::claimed) e["leaseOwner"] = state.owner;
    if (state.ttl_ms >= 0) e["stateTtlMs"] = state.ttl_ms;
    if (state.is == worker::EventState::Is::done) {
      e["outcome"] = "done";  // applied, or skipped as the duplicate of an applied one
    } else if (seen.latest_role == "dead-letter") {
      e["outcome"] = "dead-lettered";
      e["errorClass"] = seen.latest.at("errorClass");
      e["error"] = seen.latest.at("error");
    } else if (state.is == worker::EventState::Is::claimed) {
      e["outcome"] = "being applied";
    } else if (seen.latest_role == "retry") {
      e["outcome"] = "retrying";
      e["attempt"] = seen.latest.at("attempt");
      e["notBefore"] = seen.latest.at("notBefore");
      e["error"] = seen.latest.at("error");
    } else {
      e["outcome"] = "waiting";
    }
    if (id == in.parked_behind) e["paymentParkedBehindIt"] = true;
    event_list.push_back(std::move(e));
  }
  json::object out{{"paymentId", in.payment_id},
                   {"records", std::move(records)},
                   {"events", std::move(event_list)},
                   {"parkedBehind", in.parked_behind.empty() ? json::value(nullptr)
                                                             : json::value(in.parked_behind)}};
  if (in.ledger) {
    boost::system::error_code ec;
    const auto ledger = json::parse(in.ledger->text, ec);
    out["ledger"] = in.ledger->text.empty() ? json::value(nullptr)
                    : ec                    ? json::value(in.ledger->text)
                                            : ledger;
    json::array unpublished;
    for (const auto& [id, text] : in.ledger->outbox) unpublished.emplace_back(id);
    out["unpublishedAnomalies"] = std::move(unpublished);
    out["nextDeadlineCheck"] =
        in.next_deadline_ms ? time_or_null(*in.next_deadline_ms) : json::value(nullptr);
  }
  return out;
}

std::string trace_text(const json::object& t) {
  const auto text = [](const json::value& v) -> std::string {
    return v.is_string() ? std::string(v.get_string()) : v.is_null() ? "-" : json::serialize(v);
  };
  std::ostringstream out;
  out << "payment " << text(t.at("paymentId")) << "\n\nrecords (by time):\n";
  for (const auto& v : t.at("records").as_array()) {
    const auto& r = v.as_object();
    out << "  " << text(r.at("time")) << "  " << text(r.at("role")) << " " << text(r.at("topic"))
        << "[" << text(r.at("partition")) << "]@" << text(r.at("offset")) << "  ";
    if (text(r.at("role")) == "anomaly") {
      out << (r.contains("kind") ? text(r.at("kind")) : "?") << ": "
          << (r.contains("detail") ? text(r.at("detail")) : "") << "\n";
      continue;
    }
    out << text(r.at("eventId"));
    const auto& e = r.at("evidence").as_object();
    out << (e.at("fromInquiry").as_bool() ? "  (recovered by inquiry" : "  (signed") << " for "
        << text(e.at("clientId")) << ", key " << text(e.at("keyVersion")) << ")";
    if (r.contains("errorClass"))
      out << "  attempt " << text(r.at("attempt")) << " " << text(r.at("errorClass")) << ": "
          << text(r.at("error"));
    out << "\n";
  }
  out << "\nevents:\n";
  for (const auto& v : t.at("events").as_array()) {
    const auto& e = v.as_object();
    out << "  " << text(e.at("eventId")) << "  " << text(e.at("outcome"))
        << " (Redis: " << text(e.at("state")) << ")";
    if (e.contains("error")) out << "  " << text(e.at("error"));
    out << "\n";
  }
  out << "\nparked behind: " << text(t.at("parkedBehind")) << "\n";
  if (t.contains("ledger"))
    out << "ledger: " << text(t.at("ledger"))
        << "\nnext deadline check: " << text(t.at("nextDeadlineCheck")) << "\n";
  return out.str();
}

}  // namespace paynotify::cli
