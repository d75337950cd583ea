# paynotify::warnings — linked PRIVATE into every target of the project, never into others.
add_library(paynotify_warnings INTERFACE)
add_library(paynotify::warnings ALIAS paynotify_warnings)
target_compile_options(paynotify_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough -Wmisleading-indentation
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op -Wuseless-cast>
  # GCC 12 misreports Asio coroutine frames (custom operator new/delete) as mismatched.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>
  $<$<BOOL:${PAYNOTIFY_WARNINGS_AS_ERRORS}>:-Werror>)
