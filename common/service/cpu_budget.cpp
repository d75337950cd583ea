#include "common/service/cpu_budget.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

namespace paynotify {

namespace {

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::string> first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

std::optional<double> cgroup2_quota_cpus(std::string_view cpu_max) {
  const auto space = cpu_max.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto quota = parse_int(cpu_max.substr(0, space));  // "max": no number, no limit
  auto period_text = cpu_max.substr(space + 1);
  while (!period_text.empty() && (period_text.back() == '\n' || period_text.back() == ' '))
    period_text.remove_suffix(1);
  const auto period = parse_int(period_text);
  if (!quota || !period) return std::nullopt;
  return cgroup1_quota_cpus(*quota, *period);
}

std::optional<double> cgroup1_quota_cpus(int64_t quota_us, int64_t period_us) {
  if (quota_us <= 0 || period_us <= 0) return std::nullopt;
  return static_cast<double>(quota_us) / static_cast<double>(period_us);
}

int usable_cpus(const CpuLimits& limits, unsigned hardware_concurrency) {
  int cpus = limits.affinity > 0 ? limits.affinity : static_cast<int>(hardware_concurrency);
  if (limits.quota_cpus) cpus = std::min(cpus, static_cast<int>(std::ceil(*limits.quota_cpus)));
  return std::max(1, cpus);
}

OwnCgroups parse_own_cgroups(std::string_view proc_self_cgroup) {
  OwnCgroups own;
  while (!proc_self_cgroup.empty()) {
    const auto eol = proc_self_cgroup.find('\n');
    std::string_view line = proc_self_cgroup.substr(0, eol);
    proc_self_cgroup.remove_prefix(eol == std::string_view::npos ? proc_self_cgroup.size()
                                                                 : eol + 1);
    // "<id>:<controllers>:<path>"
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    if (line.substr(0, first) == "0" && controllers.empty()) {
      own.v2 = std::string(path);
      continue;
    }
    for (std::string_view rest = controllers; !rest.empty();) {
      const auto comma = rest.find(',');
      if (rest.substr(0, comma) == "cpu") own.v1_cpu = std::string(path);
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
  }
  return own;
}

CpuLimits read_cpu_limits() {
  CpuLimits limits;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) limits.affinity = CPU_COUNT(&set);

  // The process's own cgroup, under the hierarchy's mount (a container with a cgroup namespace
  // sees its own at the root), then the root itself.
  const OwnCgroups own = parse_own_cgroups(read_all("/proc/self/cgroup"));
  for (const std::string& path :
       {"/sys/fs/cgroup" + own.v2 + "/cpu.max", std::string("/sys/fs/cgroup/cpu.max")}) {
    if (const auto line = first_line(path)) {
      limits.quota_cpus = cgroup2_quota_cpus(*line);
      return limits;
    }
  }
  for (const std::string& dir :
       {"/sys/fs/cgroup/cpu" + own.v1_cpu, std::string("/sys/fs/cgroup/cpu")}) {
    const auto quota = first_line(dir + "/cpu.cfs_quota_us");
    const auto period = first_line(dir + "/cpu.cfs_period_us");
    if (!quota || !period) continue;
    const auto q = parse_int(*quota);
    const auto p = parse_int(*period);
    if (q && p) limits.quota_cpus = cgroup1_quota_cpus(*q, *p);
    return limits;
  }
  return limits;
}

int usable_cpus() { return usable_cpus(read_cpu_limits(), std::thread::hardware_concurrency()); }

}  // namespace paynotify
