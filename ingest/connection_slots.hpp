#pragma once
// Who may hold the ingest's connection slots, and who gives one up. A slow client must not be
// able to hold the port by opening connections and dribbling bytes (slowloris), in the head
// or in the body: at the connection cap, the connection reading its request the slowest makes
// room for the new one. Connections whose request is being answered (verified, published)
// are never evicted. One source may hold only so many slots. Thread-safe; no I/O (each
// connection hands in how to close it).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace paynotify::ingest {

class ConnectionSlots {
 public:
  using Clock = std::chrono::steady_clock;

  // max_per_source 0: no cap per source.
  ConnectionSlots(int max_connections, int max_per_source);

  enum class Admission {
    admitted,           // a slot was free
    admitted_evicting,  // the slowest reader was closed; its slot passes to this one
    refused_full,       // every slot is busy answering a request
    refused_source,     // this source holds its share already
  };
  // At accept; when admitted, release(source) once the connection ends.
  Admission admit(const std::string& source, Clock::time_point now);
  void release(const std::string& source);

  // A connection's entry among the evictable, registered once (not per request: no allocation
  // per request). Its reading state is written by the connection's own thread without the
  // lock, three times a request, and read under the lock by admit(), which may see one field
  // a request behind another: it picks the slowest reader by an estimate either way.
  class Entry {
    friend class ConnectionSlots;
    uint64_t id_ = 0;  // its key in entered_
    std::atomic<bool> reading_{false};
    std::atomic<Clock::rep> since_{0};  // when the request being read began
    std::atomic<std::size_t> bytes_{0};
    std::function<void()> close_;
  };

  // A connection enters once, after admit(), with how to close it, and leaves when it ends.
  // `close` runs once per eviction, on the evicting thread: it must hand the close to the
  // connection's own thread (and find out there whether the connection is still reading).
  Entry* enter(std::function<void()> close);
  void leave(Entry* entry);
  // A connection reading a request (idle before it, its head, its body) is evictable, by how
  // fast its bytes come, from start_reading() until done_reading() or its eviction. On the
  // connection's own thread; no lock.
  static void start_reading(Entry* entry, Clock::time_point now);
  static void progress(Entry* entry, std::size_t bytes_so_far);
  static void done_reading(Entry* entry);

  int open() const;

  // By when a body's next bytes must arrive: at least `min_bytes_per_s` on average after
  // `grace` from `started` (when its head was read), never after `deadline` (the body
  // timeout). min_bytes_per_s 0: the deadline alone.
  static Clock::time_point next_bytes_due(Clock::time_point started, std::size_t received,
                                          std::size_t min_bytes_per_s,
                                          std::chrono::milliseconds grace,
                                          Clock::time_point deadline);

 private:
  const int max_connections_;
  const int max_per_source_;
  mutable std::mutex mu_;
  int open_ = 0;
  std::map<std::string, int> per_source_;
  std::map<uint64_t, Entry> entered_;  // a map's nodes stay put: entries are handed out
  uint64_t next_id_ = 0;
};

}  // namespace paynotify::ingest
