#include "common/service/metrics.hpp"

#include <gtest/gtest.h>

#include "common/service/admin_server.hpp"

namespace paynotify {
namespace {

TEST(Metrics, RendersPrometheusText) {
  MetricsRegistry r;
  r.counter("x_total", "X things", "outcome=\"a\"").inc(3);
  r.counter("x_total", "X things", "outcome=\"b\"").inc();
  r.histogram("lat_seconds", "Latency", {0.1, 1}).observe(0.5);
  r.gauge_fn("depth", "Depth", [] { return 7.0; });
  const auto text = r.render();
  EXPECT_NE(
      text.find("# TYPE x_total counter\nx_total{outcome=\"a\"} 3\nx_total{outcome=\"b\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 0\nlat_seconds_bucket{le=\"1\"} "
                      "1\nlat_seconds_bucket{le=\"+Inf\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_seconds_count 1"), std::string::npos);
  EXPECT_NE(text.find("depth 7"), std::string::npos);
  EXPECT_EQ(text.find("# HELP x_total", text.find("# HELP x_total") + 1), std::string::npos)
      << "one header per name";
}

TEST(AdminAnswer, RoutesProbesAndMetrics) {
  MetricsRegistry r;
  r.counter("c_total", "c").inc();
  EXPECT_EQ(admin_answer("GET", "/healthz", false, r).status, 200u);
  EXPECT_EQ(admin_answer("GET", "/readyz", true, r).status, 200u);
  EXPECT_EQ(admin_answer("GET", "/readyz", false, r).status, 503u);
  EXPECT_NE(admin_answer("GET", "/metrics", true, r).body.find("c_total 1"), std::string::npos);
  EXPECT_EQ(admin_answer("GET", "/other", true, r).status, 404u);
  EXPECT_EQ(admin_answer("POST", "/healthz", true, r).status, 405u);
}

}  // namespace
}  // namespace paynotify
