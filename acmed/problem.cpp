#include "acmed/problem.hpp"

#include <string>

namespace acmed {
namespace {

constexpr std::string_view kAcmeErrorPrefix = "urn:ietf:params:acme:error:";

std::string text_member(const common::json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

Problem from_object(const common::json& object, long status) {
  Problem problem;
  problem.status = status;
  problem.type = text_member(object, "type");
  if (problem.type.empty()) problem.type = "about:blank";
  problem.detail = text_member(object, "detail");
  auto sub = object.find("subproblems");
  if (sub != object.end() && sub->is_array()) {
    for (const auto& item : *sub) {
      if (item.is_object()) problem.subproblems.push_back(from_object(item, status));
    }
  }
  return problem;
}

}  // namespace

bool Problem::is(std::string_view name) const {
  return type.size() == kAcmeErrorPrefix.size() + name.size() &&
         type.starts_with(kAcmeErrorPrefix) &&
         std::string_view(type).substr(kAcmeErrorPrefix.size()) == name;
}

std::string Problem::describe() const {
  std::string text = type;
  if (!detail.empty()) text += ": " + detail;
  if (status != 0) text += " (HTTP " + std::to_string(status) + ")";
  for (const auto& sub : subproblems) text += "; " + sub.describe();
  return text;
}

Problem parse_problem(std::string_view body, long status) {
  auto parsed = common::parse_json(body);
  if (parsed && parsed->is_object()) return from_object(*parsed, status);
  Problem problem;
  problem.type = "about:blank";
  problem.status = status;
  // A short excerpt helps when a proxy answers with HTML; never the whole page.
  problem.detail = std::string(body.substr(0, 200));
  return problem;
}

}  // namespace acmed
