// How many I/O threads a service starts when told 0: the CPUs it may use, not the machine's.
#include "common/service/cpu_budget.hpp"

#include <gtest/gtest.h>

namespace paynotify {
namespace {

TEST(CpuBudget, ReadsCgroupTwosCpuMax) {
  EXPECT_EQ(cgroup2_quota_cpus("200000 100000"), 2.0);
  EXPECT_EQ(cgroup2_quota_cpus("150000 100000\n"), 1.5);
  EXPECT_EQ(cgroup2_quota_cpus("50000 100000"), 0.5);
  EXPECT_EQ(cgroup2_quota_cpus("max 100000"), std::nullopt) << "no limit";
  EXPECT_EQ(cgroup2_quota_cpus(""), std::nullopt);
  EXPECT_EQ(cgroup2_quota_cpus("200000"), std::nullopt);
  EXPECT_EQ(cgroup2_quota_cpus("200000 0"), std::nullopt);
  EXPECT_EQ(cgroup2_quota_cpus("2e5 100000"), std::nullopt);
}

TEST(CpuBudget, ReadsCgroupOnesQuota) {
  EXPECT_EQ(cgroup1_quota_cpus(400000, 100000), 4.0);
  EXPECT_EQ(cgroup1_quota_cpus(-1, 100000), std::nullopt) << "no limit";
}

TEST(CpuBudget, APodLimitedToTwoCpusOnABigNodeGetsTwoThreads) {
  EXPECT_EQ(usable_cpus(CpuLimits{64, 2.0}, 64), 2);
  EXPECT_EQ(usable_cpus(CpuLimits{64, 1.5}, 64), 2) << "the half CPU is used";
  EXPECT_EQ(usable_cpus(CpuLimits{64, 0.25}, 64), 1) << "never fewer than one";
  EXPECT_EQ(usable_cpus(CpuLimits{4, 8.0}, 64), 4) << "the affinity mask is the other bound";
  EXPECT_EQ(usable_cpus(CpuLimits{6, std::nullopt}, 64), 6) << "no limit: the affinity mask";
  EXPECT_EQ(usable_cpus(CpuLimits{0, std::nullopt}, 8), 8) << "mask unknown: the machine's";
  EXPECT_EQ(usable_cpus(CpuLimits{0, std::nullopt}, 0), 1);
}

TEST(CpuBudget, FindsTheProcesssOwnCgroups) {
  const OwnCgroups hybrid = parse_own_cgroups(
      "4:memory:/kubepods/pod1/c1\n3:cpu,cpuacct:/kubepods/pod1/c1\n0::/kubepods/pod1/c1\n");
  EXPECT_EQ(hybrid.v1_cpu, "/kubepods/pod1/c1");
  EXPECT_EQ(hybrid.v2, "/kubepods/pod1/c1");
  const OwnCgroups v2_only = parse_own_cgroups("0::/\n");
  EXPECT_EQ(v2_only.v2, "/");
  EXPECT_EQ(v2_only.v1_cpu, "");
  EXPECT_EQ(parse_own_cgroups("2:cpuacct:/a\n1:cpuset:/b").v1_cpu, "")
      << "cpuacct and cpuset are not the cpu controller";
  EXPECT_EQ(parse_own_cgroups("1:cpuacct,cpu:/x").v1_cpu, "/x");
  EXPECT_EQ(parse_own_cgroups("garbage\n").v2, "");
}

TEST(CpuBudget, ThisProcessMayUseAtLeastOneCpuAndNoMoreThanItsMask) {
  const CpuLimits here = read_cpu_limits();
  EXPECT_GE(here.affinity, 1);
  EXPECT_GE(usable_cpus(), 1);
  EXPECT_LE(usable_cpus(), here.affinity);
}

}  // namespace
}  // namespace paynotify
