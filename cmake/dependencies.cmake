# Every dependency comes from Debian 12 packages (deploy/local/setup.sh installs them), except
# librdkafka: Debian 12's 2.0.2 is too old, so deploy/local/librdkafka.sh builds 2.14.2 from
# Debian's own source package into a prefix that build.sh passes as CMAKE_PREFIX_PATH.
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS json url system)
find_package(OpenSSL 3 REQUIRED)
find_package(spdlog REQUIRED)
# Its core library only (families, histograms, the text format); the admin server serves it.
find_package(prometheus-cpp CONFIG REQUIRED)  # its package states no version
find_package(PkgConfig REQUIRED)
# Its package finds LZ4 through the FindLZ4.cmake installed beside it, yet does not put that
# folder on the module path.
# Found again at each configure, so a new prefix (a version bump) replaces the cached one.
unset(RDKAFKA_CONFIG_DIR CACHE)
unset(RdKafka_DIR CACHE)
find_path(RDKAFKA_CONFIG_DIR RdKafkaConfig.cmake PATH_SUFFIXES lib/cmake/RdKafka)
if(RDKAFKA_CONFIG_DIR)
  list(APPEND CMAKE_MODULE_PATH ${RDKAFKA_CONFIG_DIR})
endif()
find_package(RdKafka 2.14.2 CONFIG)
if(NOT RdKafka_FOUND)
  message(FATAL_ERROR "librdkafka 2.14.2 not found: build it with deploy/local/librdkafka.sh and "
    "pass the folder it prints as -DCMAKE_PREFIX_PATH (deploy/local/build.sh does both)")
endif()
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
