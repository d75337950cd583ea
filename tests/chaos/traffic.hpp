#pragma once
// What the chaos soak sends: payments as Antom reports them (an authorization, then usually a
// capture, sometimes a dispute), interleaved across payments, with re-sends of earlier
// notifications mixed in as Antom re-sends what it believes unacknowledged. Pure and seeded.

#include <cstdint>
#include <string>
#include <vector>

namespace paynotify::chaos {

struct Traffic {
  std::vector<std::string> notifications;  // distinct bodies
  std::vector<std::size_t> sends;          // indexes into notifications, in send order
};

// `notifications` distinct bodies for payments named <run>-<n>; a share `resend_share` of the
// sends repeat one sent before.
Traffic make_traffic(std::size_t notifications, double resend_share, uint64_t seed,
                     const std::string& run);

}  // namespace paynotify::chaos
