// How many I/O threads a service starts when told 0: the CPUs it may use, not the machine's.
#include "common/service/cpu_budget.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

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

// A cgroup hierarchy in a temporary directory, laid out as under /sys/fs/cgroup.
class CgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_ = std::filesystem::temp_directory_path() /
             ("paynotify-cgroup-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(mount_);
  }
  void TearDown() override { std::filesystem::remove_all(mount_); }
  void write(const std::string& relative, const std::string& text) {
    const auto path = mount_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  std::optional<double> limit(const std::string& proc_self_cgroup) {
    return cgroup_quota_cpus(mount_.string(), parse_own_cgroups(proc_self_cgroup));
  }
  std::filesystem::path mount_;
};

TEST_F(CgroupTree, V2TheContainersOwnLimit) {
  write("kubepods/pod1/c1/cpu.max", "200000 100000\n");
  write("kubepods/pod1/cpu.max", "max 100000\n");
  EXPECT_EQ(limit("0::/kubepods/pod1/c1\n"), 2.0);
}

TEST_F(CgroupTree, V2ALimitOnAParentBindsTheChild) {
  // The process sits in a leaf under its container's cgroup, which has no limit of its own.
  write("kubepods/pod1/c1/init.scope/cpu.max", "max 100000\n");
  write("kubepods/pod1/c1/cpu.max", "max 100000\n");
  write("kubepods/pod1/cpu.max", "150000 100000\n");
  write("kubepods/cpu.max", "400000 100000\n");
  EXPECT_EQ(limit("0::/kubepods/pod1/c1/init.scope\n"), 1.5) << "the smallest on the way up";
}

TEST_F(CgroupTree, V2InACgroupNamespaceTheRootIsTheContainer) {
  write("cpu.max", "100000 100000\n");
  EXPECT_EQ(limit("0::/\n"), 1.0);
}

TEST_F(CgroupTree, V2NoLimitAnywhere) {
  write("system.slice/x.service/cpu.max", "max 100000\n");
  EXPECT_EQ(limit("0::/system.slice/x.service\n"), std::nullopt);
}

TEST_F(CgroupTree, V1OnAHybridHost) {
  // cgroup v2 mounted without the cpu controller (no cpu.max): the v1 cpu controller counts.
  write("cpu/docker/abc/cpu.cfs_quota_us", "-1\n");
  write("cpu/docker/abc/cpu.cfs_period_us", "100000\n");
  write("cpu/docker/cpu.cfs_quota_us", "50000\n");
  write("cpu/docker/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(limit("3:cpu,cpuacct:/docker/abc\n0::/docker/abc\n"), 0.5);
}

TEST_F(CgroupTree, V1AContainerSeesItsOwnCgroupAtTheMount) {
  // Without a cgroup namespace the path names the host's cgroup, which the container's mount
  // does not have: the mount's own files are the container's.
  write("cpu/cpu.cfs_quota_us", "300000\n");
  write("cpu/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(limit("3:cpu,cpuacct:/docker/abc\n"), 3.0);
}

TEST_F(CgroupTree, NoHierarchyNoLimit) { EXPECT_EQ(limit("0::/\n"), std::nullopt); }

TEST(CpuBudget, AHugeQuotaIsNoLimit) { EXPECT_EQ(usable_cpus(CpuLimits{8, 1e12}, 8), 8); }

TEST(CpuBudget, ThisProcessMayUseAtLeastOneCpuAndNoMoreThanItsMask) {
  const CpuLimits here = read_cpu_limits();
  EXPECT_GE(here.affinity, 1);
  EXPECT_GE(usable_cpus(), 1);
  EXPECT_LE(usable_cpus(), here.affinity);
}

}  // namespace
}  // namespace paynotify
