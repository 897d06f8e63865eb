// Errors as values and the one wrapper around nlohmann/json.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/json.hpp"

namespace {

using common::Error;

TEST(Error, KindNamesAreStable) {
  EXPECT_EQ(common::kind_name(Error::Kind::invalid_input), "invalid_input");
  EXPECT_EQ(common::kind_name(Error::Kind::not_found), "not_found");
  EXPECT_EQ(common::kind_name(Error::Kind::permission), "permission");
  EXPECT_EQ(common::kind_name(Error::Kind::environment), "environment");
  EXPECT_EQ(common::kind_name(Error::Kind::internal), "internal");
}

TEST(Error, WrapKeepsKindAndPrefixesContext) {
  Error inner{Error::Kind::environment, "connection refused"};
  Error outer = common::wrap(inner, "unable to fetch token");
  EXPECT_EQ(outer.kind, Error::Kind::environment);
  EXPECT_EQ(outer.message, "unable to fetch token: connection refused");
}

TEST(Json, ParsesValidDocument) {
  auto value = common::parse_json(R"({"a": 1, "b": "x"})");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ((*value)["a"], 1);
}

TEST(Json, InvalidInputIsAnErrorNotAnException) {
  for (std::string_view bad : {"", "{", "{\"a\":}", "[1,2", "nul", "{\"a\":1}}", "\xff\xfe"}) {
    auto value = common::parse_json(bad);
    ASSERT_FALSE(value.has_value()) << bad;
    EXPECT_EQ(value.error().kind, Error::Kind::invalid_input);
  }
}

TEST(Json, DeepNestingDoesNotCrash) {
  std::string deep(100000, '[');
  auto value = common::parse_json(deep);
  EXPECT_FALSE(value.has_value());
}

TEST(Json, TypedFieldsNameTheField) {
  auto object = common::json{{"name", "x"}, {"count", 7}, {"big", UINT64_MAX}};
  EXPECT_EQ(common::string_field(object, "name").value(), "x");
  EXPECT_EQ(common::integer_field(object, "count").value(), 7);

  auto missing = common::string_field(object, "nope");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("\"nope\""), std::string::npos);
  EXPECT_EQ(missing.error().kind, Error::Kind::invalid_input);

  EXPECT_FALSE(common::string_field(object, "count"));
  EXPECT_FALSE(common::integer_field(object, "name"));
  EXPECT_FALSE(common::integer_field(object, "big"));
  EXPECT_FALSE(common::integer_field(common::json{{"f", 1.5}}, "f"));
  EXPECT_FALSE(common::string_field(common::json::array(), "name"));
}

TEST(Json, OptionalStringFieldsMayBeAbsentButNotMistyped) {
  const auto object = common::json{{"name", "x"}, {"count", 3}};
  EXPECT_EQ(common::optional_string_field(object, "name").value(), "x");
  EXPECT_EQ(common::optional_string_field(object, "nope").value(), "");
  auto mistyped = common::optional_string_field(object, "count");
  ASSERT_FALSE(mistyped);
  EXPECT_NE(mistyped.error().message.find("count"), std::string::npos);
  EXPECT_FALSE(common::optional_string_field(common::json::array(), "name"));
}

TEST(Json, DumpReplacesInvalidUtf8) {
  common::json value = std::string(
      "a\xff"
      "b");
  std::string text = common::dump_json(value);
  EXPECT_EQ(text,
            "\"a\xEF\xBF\xBD"
            "b\"");
}

}  // namespace
