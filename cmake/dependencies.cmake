# Every dependency comes from Debian 12 packages (deploy/local/setup.sh installs them).
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS json url system)
find_package(OpenSSL 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)

# Asio and Beast are header-only by default; compiling them once into this library keeps
# rebuilds fast on a 2-core machine (STYLE.md). Every user must see the same definitions.
add_library(paynotify_asio STATIC ${PROJECT_SOURCE_DIR}/common/asio_impl.cpp)
add_library(paynotify::asio ALIAS paynotify_asio)
target_compile_definitions(paynotify_asio PUBLIC
  BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(paynotify_asio
  PUBLIC Boost::headers Boost::system OpenSSL::SSL OpenSSL::Crypto Threads::Threads
  PRIVATE paynotify::sanitizers)
