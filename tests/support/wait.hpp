#pragma once
// Waiting for a condition in tests, instead of sleeping for a guessed time.

#include <chrono>
#include <functional>

namespace paynotify::testing {

// Polls `done` every `poll` until it is true or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::microseconds poll = std::chrono::milliseconds(100));

}  // namespace paynotify::testing
