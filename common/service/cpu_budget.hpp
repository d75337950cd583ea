#pragma once
// How many CPUs this process may use, for sizing its thread pools. std::thread::
// hardware_concurrency() counts the machine's online CPUs: in a pod limited to 2 CPUs on a
// 64-core node it says 64, and one I/O thread per "core" would be 64 threads taking turns on
// 2 CPUs' time (more wake-ups, more lock contention, CFS throttling).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paynotify {

struct CpuLimits {
  int affinity = 0;                  // CPUs in the process's affinity mask (0: unknown)
  std::optional<double> quota_cpus;  // the smallest CPU limit over its cgroup and their parents
};

// cgroup v2's cpu.max: "max 100000" (no limit) or "<quota> <period>" in microseconds.
std::optional<double> cgroup2_quota_cpus(std::string_view cpu_max);
// cgroup v1's cpu.cfs_quota_us and cpu.cfs_period_us (a quota of -1: no limit).
std::optional<double> cgroup1_quota_cpus(int64_t quota_us, int64_t period_us);

// The process's cgroup paths, from /proc/self/cgroup: the v2 one ("0::<path>") and the v1 cpu
// controller's ("<n>:cpu,cpuacct:<path>"); empty when there is none.
struct OwnCgroups {
  std::string v2;
  std::string v1_cpu;
};
OwnCgroups parse_own_cgroups(std::string_view proc_self_cgroup);

// The smallest CPU limit on the process's cgroup and every parent up to the hierarchy's root
// (a limit binds everything under it): v2's cpu.max under `mount`, else v1's CFS quota under
// `mount`/cpu. A container with a cgroup namespace sees its own cgroup as "/".
std::optional<double> cgroup_quota_cpus(const std::string& mount, const OwnCgroups& own);

// At least 1; the affinity mask, lowered to the limit rounded up (1.5 CPUs: 2 threads, so that
// the half is used).
int usable_cpus(const CpuLimits& limits, unsigned hardware_concurrency);

// This process's: the affinity mask, and the limits under /sys/fs/cgroup (where the hierarchy
// is mounted elsewhere, no limit is found and the affinity mask alone counts).
CpuLimits read_cpu_limits();
int usable_cpus();

}  // namespace paynotify
