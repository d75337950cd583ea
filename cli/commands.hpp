#pragma once
// paynotify's subcommands. Each takes the arguments after its name and returns the exit code.

#include <string>
#include <vector>

namespace paynotify::cli {

using Args = std::vector<std::string>;

int send_command(const Args& args);    // sign and POST a notification as Antom does
int verify_command(const Args& args);  // check a captured notification offline
int keygen_command(const Args& args);  // write a test RSA-2048 key pair
int topics_command(const Args& args);  // create the pipeline's topics
int peek_command(const Args& args);    // print a topic's records
int replay_command(const Args& args);  // move dead-lettered records back
int ledger_command(const Args& args);  // the payment ledger in Redis: show, due
int reconcile_command(const Args& args);
int trace_command(const Args& args);  // everything known about one payment  // ask Antom; publish
                                      // what it never notified

// Reads BODY_FILE, or standard input for "-".
std::string read_body_argument(const std::string& path);

}  // namespace paynotify::cli
