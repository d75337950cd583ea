#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/antom/rsa_key.hpp"

namespace paynotify::cli {

namespace {

// Creates `path` holding `text`, with `mode` from its first byte (not a chmod after, which
// leaves a moment under the umask) and never through a link someone left there; an existing
// file is never overwritten. Throws std::runtime_error saying which path and why.
void create_new_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    const int err = errno;
    throw std::runtime_error(
        err == EEXIST || err == ELOOP
            ? path.string() +
                  " already exists (a file or a link): keygen never overwrites "
                  "one; remove it, or choose another --out or --prefix"
            : "cannot create " + path.string() + ": " + std::strerror(err));
  }
  // A file that could not be written whole is not left behind.
  const auto failed = [&](int err) {
    ::unlink(path.c_str());
    return std::runtime_error("cannot write " + path.string() + ": " + std::strerror(err));
  };
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw failed(err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw failed(errno);
}

}  // namespace

int keygen_command(const Args& args) {
  Options o("paynotify keygen",
            "Writes a test RSA-2048 key pair: PREFIX-private.pem (created with mode 0600), "
            "PREFIX-public.pem "
            "and PREFIX-public.b64 (bare base64 DER, as Antom's Dashboard shows a key). Existing "
            "files are "
            "never overwritten.",
            {
                {"out", ".", "folder to write the files to"},
                {"prefix", "antom", "file name prefix"},
            });
  if (auto rc = parse_command_line(o, args)) return *rc;
  const std::filesystem::path dir = o.str("out");
  std::filesystem::create_directories(dir);
  const RsaKeyPair pair = generate_rsa_key_pair(2048);
  const std::string prefix = o.str("prefix");
  const struct {
    std::string name;
    std::string text;
    mode_t mode;
  } files[] = {
      {"-private.pem", pair.private_pem, 0600},
      {"-public.pem", pair.public_pem, 0644},
      {"-public.b64", pair.public_base64 + "\n", 0644},
  };
  std::vector<std::filesystem::path> written;
  try {
    for (const auto& f : files) {
      create_new_file(dir / (prefix + f.name), f.text, f.mode);
      written.push_back(dir / (prefix + f.name));
    }
  } catch (const std::runtime_error& e) {
    // A pair is written whole or not at all: a half-written one would not match what is there.
    for (const auto& path : written) std::filesystem::remove(path);
    std::cerr << e.what() << "\n";
    return 1;
  }
  for (const auto& path : written) std::cout << path.string() << "\n";
  return 0;
}

}  // namespace paynotify::cli
