# Hardening for every target this project builds (services, CLI, tests alike), as Debian
# builds its own packages: stack canaries, clash protection and checked libc calls at compile
# time; a read-only relocation table resolved at start (full RELRO) and no executable stack at
# link time. deploy/local/check-hardening.sh proves it on the binaries, also in the image.
add_compile_options(-fstack-protector-strong -fstack-clash-protection)
# _FORTIFY_SOURCE needs optimisation; a Debug build (the sanitizer build) would only warn.
add_compile_options($<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
add_link_options(-Wl,-z,relro,-z,now -Wl,-z,noexecstack)
