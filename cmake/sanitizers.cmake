# paynotify::sanitizers — ASan and UBSan when PAYNOTIFY_SANITIZE is on; empty otherwise.
add_library(paynotify_sanitizers INTERFACE)
add_library(paynotify::sanitizers ALIAS paynotify_sanitizers)
if(PAYNOTIFY_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_compile_options(paynotify_sanitizers INTERFACE ${_san})
  target_link_options(paynotify_sanitizers INTERFACE ${_san})
endif()
