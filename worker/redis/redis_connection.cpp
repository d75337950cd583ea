#include "worker/redis/redis_connection.hpp"

#include <openssl/sha.h>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <string_view>

#include "worker/redis/redis_reply_reader.hpp"
#include "worker/redis/redis_socket.hpp"

namespace paynotify::worker {
namespace {

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

using Clock = std::chrono::steady_clock;

// RESP, the form every Redis reads: *<words>, then $<length> and each word.
void append_header(std::string& out, std::size_t words) {
  out += '*';
  out += std::to_string(words);
  out += "\r\n";
}
void append_word(std::string& out, std::string_view w) {
  out += '$';
  out += std::to_string(w.size());
  out += "\r\n";
  out.append(w.data(), w.size());
  out += "\r\n";
}

bool is_noscript(const RedisValue& reply) {
  return reply.type == RedisValue::Type::error &&
         std::string_view(reply.text).starts_with("NOSCRIPT");
}

}  // namespace

void append_command(std::string& out, std::span<const std::string_view> words) {
  append_header(out, words.size());
  for (const auto& w : words) append_word(out, w);
}

void append_script(std::string& out, const ScriptCall& call) {
  append_header(out, 3 + call.words.size());
  append_word(out, "EVALSHA");
  append_word(out, call.script->sha);
  append_word(out, std::to_string(call.key_count));
  for (const auto w : call.words) append_word(out, w);
}

LuaScript::LuaScript(std::string t) : text(std::move(t)), sha(sha1_hex(text)) {}

RedisConnection::RedisConnection(RedisSettings settings) : settings_(std::move(settings)) {}

RedisConnection::~RedisConnection() = default;

bool RedisConnection::connect() {
  if (socket_) return true;
  SSL_CTX* tls = settings_.tls ? settings_.tls->native_handle() : nullptr;
  socket_ = RedisSocket::open(settings_.host, settings_.port, tls,
                              Clock::now() + settings_.connect_timeout, last_error_);
  if (!socket_) return false;
  reader_ = std::make_unique<RedisReplyReader>(settings_.max_reply_bytes);
  if (!settings_.password.empty()) {
    // AUTH [user] password: its reply is checked here, and its words never reach a log.
    std::vector<std::string_view> words{"AUTH"};
    if (!settings_.username.empty()) words.push_back(settings_.username);
    words.push_back(settings_.password);
    if (!send(words)) {
      // Refused, or the connection ended meanwhile: a server refusing a client certificate
      // says so after a TLS 1.3 handshake, at the first read. A proxy's error reply may
      // repeat the words it got: the password never leaves here.
      last_error_ = without_password(
          (socket_ ? "AUTH failed: " : "connection lost while logging in: ") + last_error_,
          settings_.password);
      socket_.reset();
      return false;
    }
  }
  if (on_connect_) on_connect_(*this);
  return socket_ != nullptr;
}

// An I/O or protocol error leaves the connection unusable: drop it; the next call reconnects.
std::nullopt_t RedisConnection::lost_connection(std::string why) {
  last_error_ = std::move(why);
  socket_.reset();
  return std::nullopt;
}

std::vector<RedisValue> RedisConnection::round_trip(std::size_t replies) {
  std::vector<RedisValue> out;
  std::string error;
  const bool sent = socket_->write_all(out_, Clock::now() + settings_.command_timeout, error);
  out_.clear();
  if (!sent) {
    lost_connection(std::move(error));
    return out;
  }
  out.reserve(replies);
  while (out.size() < replies) {
    auto reply = receive(Clock::now() + settings_.command_timeout);  // every reply is taken off
    if (!reply) break;
    out.push_back(std::move(*reply));
  }
  return out;
}

std::optional<RedisValue> RedisConnection::receive(Clock::time_point deadline) {
  for (;;) {
    auto next = reader_->next();
    if (!next.error.empty()) return lost_connection(std::move(next.error));
    if (next.reply) {
      if (next.reply->type == RedisValue::Type::error) last_error_ = next.reply->text;
      return std::move(next.reply);
    }
    char buffer[16384];
    std::string error;
    const std::size_t n = socket_->read_some(buffer, sizeof buffer, deadline, error);
    if (n == 0) return lost_connection(std::move(error));
    reader_->feed(buffer, n);
  }
}

std::optional<RedisValue> RedisConnection::send(std::span<const std::string_view> words) {
  if (!connect()) return std::nullopt;
  append_command(out_, words);
  auto replies = round_trip(1);
  if (replies.empty() || replies.front().type == RedisValue::Type::error) return std::nullopt;
  return std::move(replies.front());
}

std::optional<std::vector<RedisValue>> RedisConnection::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (!connect()) return std::nullopt;
  for (const auto& words : commands) {
    const std::vector<std::string_view> views(words.begin(), words.end());
    append_command(out_, views);
  }
  auto replies = round_trip(commands.size());
  if (replies.size() < commands.size()) return std::nullopt;
  for (const auto& r : replies) {
    if (r.type == RedisValue::Type::error) return std::nullopt;  // its text is in last_error()
  }
  return replies;
}

std::optional<RedisValue> RedisConnection::command(const std::vector<std::string>& words) {
  const std::vector<std::string_view> views(words.begin(), words.end());
  return send(views);
}

std::optional<RedisValue> RedisConnection::eval(const LuaScript& script,
                                                const std::vector<std::string>& keys,
                                                const std::vector<std::string>& args) {
  ScriptCall call{&script, keys.size(), {}};
  call.words.reserve(keys.size() + args.size());
  call.words.insert(call.words.end(), keys.begin(), keys.end());
  call.words.insert(call.words.end(), args.begin(), args.end());
  auto replies = eval_batch(std::span(&call, 1));
  if (!replies) return std::nullopt;
  auto& reply = replies->front();
  if (reply.type == RedisValue::Type::error) {
    last_error_ = reply.text;
    return std::nullopt;
  }
  return std::move(reply);
}

std::optional<std::vector<RedisValue>> RedisConnection::eval_batch(
    std::span<const ScriptCall> calls) {
  if (!connect()) return std::nullopt;
  for (const auto& call : calls) append_script(out_, call);
  std::vector<RedisValue> replies = round_trip(calls.size());
  if (replies.empty() && !calls.empty()) return std::nullopt;  // nothing ran, as far as we know
  // A call past a dropped connection may or may not have run: it fails, as a lone call would.
  replies.resize(calls.size(), RedisValue{RedisValue::Type::error, last_error_, 0, {}});
  std::vector<std::size_t> missing;  // answered NOSCRIPT: the server has not got the script
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (is_noscript(replies[i])) missing.push_back(i);
  }
  if (missing.empty()) return replies;
  for (const std::size_t i : missing) {
    const bool loaded_already = std::any_of(missing.begin(), missing.end(), [&](std::size_t j) {
      return j < i && calls[j].script == calls[i].script;
    });
    if (!loaded_already && !command({"SCRIPT", "LOAD", calls[i].script->text})) {
      for (const std::size_t m : missing)
        replies[m].text = "loading the script failed: " + last_error_;
      return replies;  // the calls that ran keep their replies
    }
  }
  if (!connect()) {
    for (const std::size_t m : missing) replies[m].text = last_error_;
    return replies;
  }
  for (const std::size_t i : missing) append_script(out_, calls[i]);
  std::vector<RedisValue> again = round_trip(missing.size());
  for (std::size_t k = 0; k < missing.size(); ++k) {
    replies[missing[k]] = k < again.size()
                              ? std::move(again[k])
                              : RedisValue{RedisValue::Type::error, last_error_, 0, {}};
  }
  return replies;
}

bool RedisConnection::load(std::span<const LuaScript* const> scripts) {
  for (const LuaScript* script : scripts) {
    const auto sha = command({"SCRIPT", "LOAD", script->text});
    if (!sha) return false;
    if (sha->text != script->sha) {
      last_error_ = "SCRIPT LOAD answered another SHA1 than the script's";
      return false;
    }
  }
  return true;
}

std::unique_ptr<RedisSocket> RedisConnection::take_socket() {
  reader_.reset();
  return std::move(socket_);
}

bool RedisConnection::ping() {
  const auto r = command({"PING"});
  return r && r->type == RedisValue::Type::text;
}

std::string RedisConnection::run_id() {
  const auto r = command({"INFO", "server"});
  if (!r || r->type != RedisValue::Type::text) return {};
  static constexpr std::string_view kField = "run_id:";
  const auto at = r->text.find(kField);
  if (at == std::string::npos) return {};
  const auto begin = at + kField.size();
  return r->text.substr(begin, r->text.find_first_of("\r\n", begin) - begin);
}

}  // namespace paynotify::worker
