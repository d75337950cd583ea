#include "ingest/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <memory_resource>

#include "common/antom/request_time.hpp"
#include "common/kafka/await_delivery.hpp"
#include "common/service/http_parse_error.hpp"
#include "common/service/listener.hpp"
#include "common/service/log.hpp"
#include "ingest/connection_slots.hpp"
#include "ingest/deadline_sweep.hpp"

namespace paynotify::ingest {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
// A request's header fields, and its answer's, come out of an arena on the connection's frame
// (head_room in serve_connection), not an allocation per field.
using FieldAllocator = std::pmr::polymorphic_allocator<char>;
using Request = http::request<http::string_body, http::basic_fields<FieldAllocator>>;
using RequestParser = http::request_parser<http::string_body, FieldAllocator>;
using Response = http::response<http::string_body, http::basic_fields<FieldAllocator>>;
// The connections' coroutines and sockets name their executor's type: the type-erased
// any_io_executor cost a copy, a destruction and a virtual query per operation (#19).
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
template <typename T>
using Awaitable = net::awaitable<T, Executor>;
constexpr auto kTuple = net::as_tuple(net::use_awaitable_t<Executor>{});
constexpr std::size_t kReadRoom = 4096;  // per connection; larger requests grow the buffer

struct IngestServer::Shared {
  Shared(ServerLimits l, const NotificationIntake& i, Publisher& p, IngestMetrics& m)
      : limits(std::move(l)), intake(i), publisher(p), metrics(m) {}
  ServerLimits limits;
  const NotificationIntake& intake;
  Publisher& publisher;
  IngestMetrics& metrics;
  std::atomic<bool> draining{false};
  LogRateLimit refusal_log{10.0, 50.0};  // refused requests: a burst of 50 lines, then 10/s

  ConnectionSlots slots{limits.max_connections, limits.max_connections_per_source};
  std::atomic<int64_t> in_flight{0};
  std::vector<std::shared_ptr<DeliveryInbox>> inboxes;  // one per I/O thread, by its index
  std::vector<std::unique_ptr<DeadlineSweep>> sweeps;   // likewise
};

namespace {
using Shared = IngestServer::Shared;
using Clock = std::chrono::steady_clock;
using Deadline = DeadlineSweep::Deadline;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// fields: where the answer's header fields are allocated (the request's arena, when it has one).
Response make_response(unsigned status, std::string body, unsigned version, bool keep_alive,
                       FieldAllocator fields = {}) {
  Response res(std::piecewise_construct, std::make_tuple(), std::make_tuple(fields));
  res.result(static_cast<http::status>(status));
  res.version(version);
  res.set(http::field::server, "paynotify-ingest");
  res.set(http::field::content_type, "application/json; charset=UTF-8");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// Counts a request from its complete header until its answer is written.
struct InFlightRequest {
  explicit InFlightRequest(Shared& s) : s_(s) {
    s_.in_flight.fetch_add(1);
    s_.metrics.in_flight.Increment();
  }
  ~InFlightRequest() {
    s_.in_flight.fetch_sub(1);
    s_.metrics.in_flight.Decrement();
  }
  InFlightRequest(const InFlightRequest&) = delete;
  InFlightRequest& operator=(const InFlightRequest&) = delete;
  Shared& s_;
};

// Holds the connection's slot (admitted by the accept loop) until it ends.
struct OpenConnection {
  OpenConnection(Shared& s, std::string source) : s_(s), source_(std::move(source)) {
    s_.metrics.open_connections.Increment();
  }
  ~OpenConnection() {
    s_.slots.release(source_);
    s_.metrics.open_connections.Decrement();
  }
  OpenConnection(const OpenConnection&) = delete;
  OpenConnection& operator=(const OpenConnection&) = delete;
  Shared& s_;
  std::string source_;
};

// A connection's place among the evictable (connection_slots.hpp): entered once, evictable
// while it reads a request (idle before it, its head, its body), not while it is answered.
class EvictableReader {
 public:
  EvictableReader(Shared& s, const std::shared_ptr<Socket>& socket) : s_(s) {
    entry_ = s_.slots.enter([executor = socket->get_executor(), weak = std::weak_ptr(socket),
                             still_reading = still_reading_] {
      // On the connection's own thread: its coroutine sees the read fail and ends. Unless its
      // request was read in full meanwhile: then it is being answered, and stays (the cap is
      // exceeded by one until it ends, or until it reads its next request).
      net::post(executor, [weak, still_reading] {
        if (auto open = weak.lock(); open && still_reading->load()) {
          beast::error_code ignored;
          open->close(ignored);
        }
      });
    });
  }
  ~EvictableReader() { s_.slots.leave(entry_); }
  EvictableReader(const EvictableReader&) = delete;
  EvictableReader& operator=(const EvictableReader&) = delete;
  void start() {
    bytes_ = 0;
    still_reading_->store(true);
    ConnectionSlots::start_reading(entry_, Clock::now());
  }
  void received(std::size_t bytes) {
    bytes_ += bytes;
    ConnectionSlots::progress(entry_, bytes_);
  }
  void done() {
    still_reading_->store(false);
    ConnectionSlots::done_reading(entry_);
  }

 private:
  Shared& s_;
  std::shared_ptr<std::atomic<bool>> still_reading_ = std::make_shared<std::atomic<bool>>(false);
  ConnectionSlots::Entry* entry_ = nullptr;
  std::size_t bytes_ = 0;
};

// Known once a request is verified and routed, that is when it has a record.
std::string_view notify_type_of(const IntakeDecision* d) {
  return d && d->record ? std::string_view(d->record->notify_type) : std::string_view();
}

void count_and_log(Shared& s, const IntakeAnswer& a, const IntakeDecision* d) {
  s.metrics.requests(a.outcome).Increment();
  if (a.outcome == Outcome::acknowledged) {
    // One line per acknowledgement at debug only: its fields are not even built otherwise.
    if (!spdlog::should_log(spdlog::level::debug)) return;
    log_event(spdlog::level::debug, "notification",
              {{"outcome", outcome_name(a.outcome)},
               {"status", a.status},
               {"notifyType", notify_type_of(d)},
               {"paymentId", d ? d->payment_id : std::string{}}});
    return;
  }
  // Refusals can come by the thousand (a flood of forgeries): the metric counts each one, the
  // log takes a sample and says how many it left out.
  const auto admission = s.refusal_log.admit(Clock::now());
  if (!admission.log) return;
  log_event(spdlog::level::info, "notification",
            {{"outcome", outcome_name(a.outcome)},
             {"status", a.status},
             {"reason", a.reason},
             {"notifyType", notify_type_of(d)},
             {"paymentId", d ? d->payment_id : std::string{}},
             {"refusalsNotLogged", admission.dropped_before}});
}

Awaitable<IntakeAnswer> answer_request(std::shared_ptr<Shared> s, const Request& req,
                                       const std::shared_ptr<DeliveryInbox>& inbox) {
  const IntakeRequest in{req.method_string(), req.target(),        req[http::field::content_type],
                         req["client-id"],    req["request-time"], req["signature"],
                         req["traceparent"],  req.body()};
  const auto started = Clock::now();
  IntakeDecision decision = s->intake.decide(in, epoch_now_ms());
  s->metrics.verify_seconds.Observe(seconds_since(started));
  if (decision.answer) {
    count_and_log(*s, *decision.answer, &decision);
    co_return std::move(*decision.answer);
  }
  const auto publish_started = Clock::now();
  // Views of the request and the decision, which outlive the co_await that publishes them
  // (librdkafka copies them there).
  IntakeRecord::Headers headers;
  auto delivering = async_publish(s->publisher, decision.record->view(headers),
                                  s->limits.ack_timeout, inbox, net::use_awaitable_t<Executor>{});
  const DeliveryResult delivery = co_await std::move(delivering);
  s->metrics.produce_seconds.Observe(seconds_since(publish_started));
  IntakeAnswer answer = NotificationIntake::answer_for_delivery(delivery);
  count_and_log(*s, answer, &decision);
  co_return answer;
}

// An answer given before the body was read (413, a bad head): write it, stop sending, then read
// and discard for a bounded time, not a bounded size, before closing (ServerLimits::
// lingering_time). Closing with unread bytes would make the kernel reset the connection, and a
// client still writing its body, of whatever size, would never see the status.
Awaitable<void> write_and_close(Socket& socket, Deadline& deadline, IntakeAnswer answer,
                                unsigned version, Shared& s) {
  count_and_log(s, answer, nullptr);
  auto res = make_response(answer.status, std::move(answer.body), version, false);
  deadline.set(Clock::now() + s.limits.body_timeout);
  auto [wec, wn] = co_await http::async_write(socket, res, kTuple);
  if (wec) co_return;
  beast::error_code ignored;
  socket.shutdown(Socket::shutdown_send, ignored);
  const auto until = Clock::now() + s.limits.lingering_time;
  std::array<char, 16384> sink;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) break;
    deadline.set(Clock::now() + std::min(left, s.limits.lingering_timeout));
    auto [rec, n] = co_await socket.async_read_some(net::buffer(sink), kTuple);
    if (rec) break;  // the client closed, or was idle for lingering_timeout
  }
}

// inbox and sweep: the delivery reports and the deadlines of the connection's own thread.
Awaitable<void> serve_connection(Socket accepted, std::string source, std::shared_ptr<Shared> s,
                                 std::shared_ptr<DeliveryInbox> inbox, DeadlineSweep* sweep) {
  OpenConnection open(*s, std::move(source));
  const auto socket_ptr = std::make_shared<Socket>(std::move(accepted));
  Socket& socket = *socket_ptr;
  // Past its deadline the connection is closed: what it waits for fails, and it ends.
  Deadline deadline(*sweep, [&socket] {
    beast::error_code ignored;
    socket.close(ignored);
  });
  beast::flat_buffer buffer;
  // Beast reads at most the buffer's free capacity: grown from empty, it stayed below one
  // notification, and every request took two reads (measured: 2.9 recvmsg per request, 2.0
  // with room for a typical notification, its head and a card PAYMENT_RESULT body).
  buffer.reserve(kReadRoom);
  // Room for a request's head: its fields are allocated here, and the arena starts over for
  // each request (a larger head takes blocks from the heap, freed with the request).
  alignas(std::max_align_t) std::array<std::byte, 4096> head_room;
  EvictableReader reading(*s, socket_ptr);
  for (;;) {
    std::pmr::monotonic_buffer_resource arena(head_room.data(), head_room.size());
    RequestParser parser(std::piecewise_construct, std::make_tuple(),
                         std::make_tuple(FieldAllocator(&arena)));
    parser.header_limit(static_cast<std::uint32_t>(s->limits.max_header_bytes));
    parser.body_limit(s->limits.max_body_bytes);
    // One deadline for the whole head, however it trickles in.
    deadline.set(Clock::now() + s->limits.header_timeout);
    reading.start();
    auto [hec, hn] = co_await http::async_read_header(socket, buffer, parser, kTuple);
    reading.received(hn);
    if (hec) {
      // Timeouts, closes and resets end the connection quietly; a request Beast cannot parse
      // gets one 400 first. No request was accepted, so nothing was published.
      // Beast rejects a declared Content-Length above the body limit while parsing the header.
      if (hec == http::error::body_limit) {
        auto reply = write_and_close(
            socket, deadline,
            NotificationIntake::answer_for(Outcome::too_large, "body exceeds --max-body-bytes"), 11,
            *s);
        co_await std::move(reply);
      } else if (is_http_parse_error(hec)) {
        auto reply =
            write_and_close(socket, deadline,
                            NotificationIntake::answer_for(
                                Outcome::malformed, "malformed HTTP request: " + hec.message()),
                            11, *s);
        co_await std::move(reply);
      }
      break;
    }
    const unsigned version = parser.get().version();
    {
      const auto& head = parser.get();
      if (auto early = s->intake.check_head(head.method_string(), head.target(),
                                            head[http::field::content_type],
                                            head[http::field::transfer_encoding])) {
        auto reply = write_and_close(socket, deadline, std::move(*early), version, *s);
        co_await std::move(reply);
        break;
      }
      if (beast::iequals(head[http::field::expect], "100-continue")) {
        // The head passed every check that needs no body: ask for the body now (a client that
        // waits for this would otherwise wait a second, or until our body deadline).
        http::response<http::empty_body> go_on{http::status::continue_, version};
        deadline.set(Clock::now() + s->limits.body_timeout);
        auto [cec, cn] = co_await http::async_write(socket, go_on, kTuple);
        if (cec) break;
      }
    }
    InFlightRequest counted(*s);
    // The body in pieces: each must come in time for the minimum rate (--min-body-rate), and
    // the whole within the body timeout.
    const auto body_started = Clock::now();
    const auto body_deadline = body_started + s->limits.body_timeout;
    auto due = body_deadline;  // of the body's latest bytes
    std::size_t body_bytes = 0;
    beast::error_code bec;
    while (!parser.is_done() && !bec) {
      due =
          ConnectionSlots::next_bytes_due(body_started, body_bytes, s->limits.min_body_bytes_per_s,
                                          s->limits.min_rate_grace, body_deadline);
      deadline.set(due);
      auto [ec, n] = co_await http::async_read_some(socket, buffer, parser, kTuple);
      bec = ec;
      body_bytes += n;
      reading.received(n);
    }
    if (deadline.expired() && due < body_deadline) {
      s->metrics.slow_bodies.Increment();  // below the minimum rate: closed before its body timeout
    }
    if (bec == http::error::body_limit) {
      auto reply = write_and_close(
          socket, deadline,
          NotificationIntake::answer_for(Outcome::too_large, "body exceeds --max-body-bytes"),
          version, *s);
      co_await std::move(reply);
      break;
    }
    // Past its deadline the socket is closed, even if the last bytes came in time: there is no
    // one to answer, so nothing is published.
    if (bec || deadline.expired()) break;
    reading.done();    // being answered from here: no longer evictable
    deadline.clear();  // nor timed: the wait for the delivery report has its own timeout
    Request req = parser.release();
    const bool keep_alive = req.keep_alive();
    auto answering = answer_request(s, req, inbox);
    IntakeAnswer answer = co_await std::move(answering);
    auto res = make_response(answer.status, std::move(answer.body), version,
                             keep_alive && !s->draining.load(), FieldAllocator(&arena));
    deadline.set(Clock::now() + s->limits.body_timeout);
    auto [wec, wn] = co_await http::async_write(socket, res, kTuple);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  socket.shutdown(Socket::shutdown_send, ignored);
}

void log_coroutine_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log_event(spdlog::level::err, "connection_failed", {{"error", ex.what()}});
  }
}

Awaitable<void> accept_loop(tcp::acceptor* acceptor,
                            std::vector<std::unique_ptr<net::io_context>>* contexts,
                            std::shared_ptr<Shared> s) {
  std::size_t next = 0;
  for (;;) {
    const std::size_t thread = next++ % contexts->size();
    net::io_context& target = *(*contexts)[thread];
    auto [ec, socket] = co_await acceptor->async_accept(target, kTuple);
    if (ec) {
      if (!acceptor->is_open() || ec == net::error::operation_aborted) co_return;
      // Out of file descriptors and the like: back off instead of spinning.
      log_event(spdlog::level::warn, "accept_failed", {{"error", ec.message()}});
      net::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    beast::error_code peer_error;
    std::string source = socket.remote_endpoint(peer_error).address().to_string();
    if (peer_error) {  // reset before it was accepted: it must not take (or free) a slot
      socket.close(peer_error);
      continue;
    }
    const auto admission = s->slots.admit(source, Clock::now());
    if (admission == ConnectionSlots::Admission::refused_full ||
        admission == ConnectionSlots::Admission::refused_source) {
      // Every slot is busy answering a request, or this source holds its share: refuse.
      (admission == ConnectionSlots::Admission::refused_full ? s->metrics.refused_connections
                                                             : s->metrics.refused_per_source)
          .Increment();
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    if (admission == ConnectionSlots::Admission::admitted_evicting)
      s->metrics.evicted_connections.Increment();
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(target,
                  serve_connection(std::move(socket), std::move(source), s, s->inboxes[thread],
                                   s->sweeps[thread].get()),
                  log_coroutine_failure);
  }
}

}  // namespace

IngestServer::IngestServer(ServerLimits limits, const NotificationIntake& intake,
                           Publisher& publisher, IngestMetrics& metrics)
    : shared_(std::make_shared<Shared>(std::move(limits), intake, publisher, metrics)) {
  const int n = std::max(1, shared_->limits.threads);
  const auto& l = shared_->limits;
  const auto tick = DeadlineSweep::tick_for(
      {l.header_timeout, l.body_timeout, l.lingering_timeout, l.min_rate_grace});
  for (int i = 0; i < n; ++i) {
    contexts_.push_back(std::make_unique<net::io_context>(1));
    shared_->inboxes.push_back(std::make_shared<DeliveryInbox>(contexts_.back()->get_executor()));
    shared_->sweeps.push_back(std::make_unique<DeadlineSweep>(tick));
  }
}

IngestServer::~IngestServer() { drain_and_stop(std::chrono::milliseconds(0)); }

void IngestServer::start() {
  const auto& l = shared_->limits;
  acceptor_ = open_listener(*contexts_[0], "listen", l.host, l.port);
  bound_port_ = acceptor_->local_endpoint().port();
  net::co_spawn(*contexts_[0], accept_loop(acceptor_.get(), &contexts_, shared_),
                log_coroutine_failure);
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    net::co_spawn(*contexts_[i], shared_->sweeps[i]->run(), log_coroutine_failure);
  }
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] {
      auto guard = net::make_work_guard(*c);
      c->run();
    });
  }
}

int64_t IngestServer::drain_and_stop(std::chrono::milliseconds grace) {
  if (stopped_) return 0;
  stopped_ = true;
  shared_->draining.store(true);
  if (acceptor_) {
    net::post(*contexts_[0], [a = acceptor_.get()] {
      beast::error_code ignored;
      a->close(ignored);
    });
  }
  const auto deadline = Clock::now() + grace;
  while (shared_->in_flight.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int64_t left = shared_->in_flight.load();
  // Open waits end first, answered 503 if their thread still runs: a connection's coroutine
  // holds its inbox, which holds the coroutine's completion while it waits.
  for (auto& inbox : shared_->inboxes) inbox->close();
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // The inboxes may outlive the contexts (in callbacks the producer still holds); their timers
  // may not.
  for (auto& inbox : shared_->inboxes) inbox->detach();
  return left;
}

}  // namespace paynotify::ingest
