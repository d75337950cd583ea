#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/antom/rsa_key.hpp"

namespace paynotify::cli {

int keygen_command(const Args& args) {
  Options o("paynotify keygen",
            "Writes a test RSA-2048 key pair: PREFIX-private.pem (mode 0600), PREFIX-public.pem and "
            "PREFIX-public.b64 (bare base64 DER, as Antom's Dashboard shows a key).",
            {
                {"out", ".", "folder to write the files to"},
                {"prefix", "antom", "file name prefix"},
            });
  if (auto rc = parse_command_line(o, args)) return *rc;
  const std::filesystem::path dir = o.str("out");
  std::filesystem::create_directories(dir);
  const RsaKeyPair pair = generate_rsa_key_pair(2048);
  const std::string prefix = o.str("prefix");
  const auto write = [&](const std::string& name, const std::string& text, bool secret) {
    const auto path = dir / (prefix + name);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    if (secret) ::chmod(path.c_str(), 0600);
    std::cout << path.string() << "\n";
  };
  write("-private.pem", pair.private_pem, true);
  write("-public.pem", pair.public_pem, false);
  write("-public.b64", pair.public_base64 + "\n", false);
  return 0;
}

}  // namespace paynotify::cli
