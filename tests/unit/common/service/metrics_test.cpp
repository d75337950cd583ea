#include "common/service/metrics.hpp"

#include <gtest/gtest.h>

#include "common/service/admin_server.hpp"

namespace paynotify {
namespace {

TEST(Metrics, RendersPrometheusText) {
  MetricsRegistry r;
  r.counter("x_total", "X things", {{"outcome", "a"}}).Increment(3);
  r.counter("x_total", "X things", {{"outcome", "b"}}).Increment();
  r.histogram("lat_seconds", "Latency", {0.1, 1}).Observe(0.5);
  r.gauge_fn("depth", "Depth", [] { return 7.0; });
  r.family_fn("lag", "Lag", prometheus::MetricType::Gauge, [] {
    return MetricsRegistry::Samples{{{{"partition", "0"}}, 2}, {{{"partition", "1"}}, 0}};
  });
  const auto text = r.render();
  // prometheus-cpp writes a family's series in no set order.
  EXPECT_NE(text.find("# TYPE x_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nx_total{outcome=\"a\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nx_total{outcome=\"b\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 0\nlat_seconds_bucket{le=\"1\"} "
                      "1\nlat_seconds_bucket{le=\"+Inf\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_seconds_count 1"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE depth gauge\ndepth 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lag{partition=\"0\"} 2\nlag{partition=\"1\"} 0\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("# HELP x_total", text.find("# HELP x_total") + 1), std::string::npos)
      << "one header per name";
}

// The same name and labels are the same series (the worker's metrics and a test's registry of
// them may ask twice); a label value is escaped, whatever a notification put in it.
TEST(Metrics, OneSeriesPerLabelsAndValuesEscaped) {
  MetricsRegistry r;
  r.counter("y_total", "Y", {{"kind", "A"}}).Increment();
  r.counter("y_total", "Y", {{"kind", "A"}}).Increment();
  r.counter_family("z_total", "Z").Add({{"kind", "a\"b\\c\nd"}}).Increment();
  const auto text = r.render();
  EXPECT_NE(text.find("y_total{kind=\"A\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("z_total{kind=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

// Every family a service declares is in its /metrics from the start, a series or not: the
// alerts' check (deploy/helm/check-alerts.sh) reads the names from the TYPE lines.
TEST(Metrics, AFamilyWithoutSeriesYetIsDeclared) {
  MetricsRegistry r;
  r.counter_family("kinds_total", "Kinds");
  r.family_fn("unconfirmed_total", "Unconfirmed", prometheus::MetricType::Counter,
              [] { return MetricsRegistry::Samples{}; });
  const auto text = r.render();
  EXPECT_NE(text.find("# TYPE kinds_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE unconfirmed_total counter\n"), std::string::npos) << text;
  r.counter_family("kinds_total", "Kinds").Add({{"kind", "A"}}).Increment();
  const auto later = r.render();
  EXPECT_NE(later.find("\nkinds_total{kind=\"A\"} 1\n"), std::string::npos) << later;
  EXPECT_EQ(later.find("# TYPE kinds_total", later.find("# TYPE kinds_total") + 1),
            std::string::npos)
      << "declared once: " << later;
}

TEST(AdminAnswer, RoutesProbesAndMetrics) {
  MetricsRegistry r;
  r.counter("c_total", "c").Increment();
  EXPECT_EQ(admin_answer("GET", "/healthz", false, r).status, 200u);
  EXPECT_EQ(admin_answer("GET", "/readyz", true, r).status, 200u);
  EXPECT_EQ(admin_answer("GET", "/readyz", false, r).status, 503u);
  EXPECT_NE(admin_answer("GET", "/metrics", true, r).body.find("c_total 1"), std::string::npos);
  EXPECT_EQ(admin_answer("GET", "/other", true, r).status, 404u);
  EXPECT_EQ(admin_answer("POST", "/healthz", true, r).status, 405u);
}

}  // namespace
}  // namespace paynotify
