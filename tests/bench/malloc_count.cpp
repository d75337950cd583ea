// Counts a process's allocations for the benchmarks (allocations per acknowledgement, per
// applied event), preloaded: LD_PRELOAD=libpaynotify-malloc-count.so with
// PAYNOTIFY_MALLOC_COUNT_FILE=PATH, where a thread of its own writes the count of malloc,
// calloc, realloc and aligned allocations so far, every 50 ms and at exit. Each is passed on to
// glibc's own allocator. Counted per thread and added to the total every 64 calls, so the
// counting costs the measured process no shared cache line per call.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <thread>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {

constexpr unsigned kFlushEvery = 64;
std::atomic<unsigned long long> g_total{0};
// initial-exec: reaching it never allocates (the general model may, from inside malloc).
__attribute__((tls_model("initial-exec"))) thread_local unsigned t_pending = 0;

inline void count() {
  if (++t_pending == kFlushEvery) {
    g_total.fetch_add(kFlushEvery, std::memory_order_relaxed);
    t_pending = 0;
  }
}

void write_count(const char* path) {
  char tmp[4096];
  std::snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (FILE* f = std::fopen(tmp, "w")) {
    std::fprintf(f, "%llu\n", g_total.load(std::memory_order_relaxed));
    std::fclose(f);
    std::rename(tmp, path);
  }
}

const char* g_path = nullptr;

__attribute__((constructor)) void start_reporting() {
  g_path = std::getenv("PAYNOTIFY_MALLOC_COUNT_FILE");
  if (g_path == nullptr || *g_path == '\0') return;
  std::atexit([] { write_count(g_path); });
  std::thread([] {
    for (;;) {
      write_count(g_path);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }).detach();
}

}  // namespace

extern "C" {

void* malloc(std::size_t size) {
  count();
  return __libc_malloc(size);
}

void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}

void* realloc(void* p, std::size_t size) {
  count();
  return __libc_realloc(p, size);
}

void* memalign(std::size_t alignment, std::size_t size) {
  count();
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) {
  count();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  count();
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

}  // extern "C"
