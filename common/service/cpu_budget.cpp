#include "common/service/cpu_budget.hpp"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "common/antom/encoding.hpp"

namespace paynotify {

namespace {

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
  const auto quota = parse_int64(cpu_max.substr(0, space));  // "max": no number, no limit
  auto period_text = cpu_max.substr(space + 1);
  while (!period_text.empty() && (period_text.back() == '\n' || period_text.back() == ' '))
    period_text.remove_suffix(1);
  const auto period = parse_int64(period_text);
  if (!quota || !period) return std::nullopt;
  return cgroup1_quota_cpus(*quota, *period);
}

std::optional<double> cgroup1_quota_cpus(int64_t quota_us, int64_t period_us) {
  if (quota_us <= 0 || period_us <= 0) return std::nullopt;
  return static_cast<double>(quota_us) / static_cast<double>(period_us);
}

int usable_cpus(const CpuLimits& limits, unsigned hardware_concurrency) {
  int cpus = limits.affinity > 0 ? limits.affinity : static_cast<int>(hardware_concurrency);
  // Compared as a double: a v1 quota may be millions of CPUs' worth ("no limit" by another name).
  if (limits.quota_cpus && std::ceil(*limits.quota_cpus) < static_cast<double>(cpus))
    cpus = static_cast<int>(std::ceil(*limits.quota_cpus));
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

std::optional<double> cgroup_quota_cpus(const std::string& mount, const OwnCgroups& own) {
  const auto tighter = [](std::optional<double> a, std::optional<double> b) {
    if (!a) return b;
    if (!b) return a;
    return std::optional<double>(std::min(*a, *b));
  };
  // From the process's own cgroup up to the root: "/a/b", "/a", "".
  const auto walk_up = [](std::string path, const auto& visit) {
    for (;;) {
      while (!path.empty() && path.back() == '/') path.pop_back();
      visit(path);
      if (path.empty()) return;
      const auto slash = path.rfind('/');
      path.erase(slash == std::string::npos ? 0 : slash);
    }
  };
  std::optional<double> limit;
  bool v2_cpu_controller = false;
  walk_up(own.v2, [&](const std::string& path) {
    if (const auto line = first_line(mount + path + "/cpu.max")) {
      v2_cpu_controller = true;
      limit = tighter(limit, cgroup2_quota_cpus(*line));
    }
  });
  // A v2 hierarchy without the cpu controller (a hybrid host) leaves the limits to v1.
  if (v2_cpu_controller) return limit;
  walk_up(own.v1_cpu, [&](const std::string& path) {
    const auto quota = first_line(mount + "/cpu" + path + "/cpu.cfs_quota_us");
    const auto period = first_line(mount + "/cpu" + path + "/cpu.cfs_period_us");
    if (!quota || !period) return;
    const auto q = parse_int64(*quota);
    const auto p = parse_int64(*period);
    if (q && p) limit = tighter(limit, cgroup1_quota_cpus(*q, *p));
  });
  return limit;
}

CpuLimits read_cpu_limits() {
  CpuLimits limits;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) limits.affinity = CPU_COUNT(&set);
  limits.quota_cpus =
      cgroup_quota_cpus("/sys/fs/cgroup", parse_own_cgroups(read_all("/proc/self/cgroup")));
  return limits;
}

int usable_cpus() { return usable_cpus(read_cpu_limits(), std::thread::hardware_concurrency()); }

}  // namespace paynotify
