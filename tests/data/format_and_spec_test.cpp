// Format guessing from names, the format table, and `--data NAME[:FORMAT]=PATH`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/loaders.hpp"
#include "maspo/data.hpp"
#include "maspo/util.hpp"

namespace maspo::data {
namespace {

using ::testing::HasSubstr;

TEST(FormatGuess, FromFileNameThenFolderThenDatasetName) {
  using detail::guess_format;
  EXPECT_EQ(guess_format("math", "/d/math500/math_500.jsonl"), "math500");
  EXPECT_EQ(guess_format("x", "/d/agieval_math/test.jsonl"), "agieval_math");  // not "math"
  EXPECT_EQ(guess_format("agi", "/tmp/test.jsonl"), "agieval_math");
  EXPECT_EQ(guess_format("humaneval", "/d/humaneval_et/HumanEval_ET.jsonl"), "humaneval_et");  // file beats name
  EXPECT_EQ(guess_format("he", "/d/HumanEval.jsonl.gz"), "humaneval");
  EXPECT_EQ(guess_format("he", "/d/humaneval-et.jsonl"), "humaneval_et");
  EXPECT_EQ(guess_format("mbpp", "/tmp/x.json"), "mbpp");
  EXPECT_EQ(guess_format("val", "/d/aqua/val.jsonl"), "aqua");
  EXPECT_EQ(guess_format("train", "/d/gsm8k/train.jsonl"), "gsm8k");
  EXPECT_EQ(guess_format("gpqa", "/d/diamond.jsonl"), "gpqa");
  EXPECT_EQ(guess_format("t", "/d/bbh/snarks.json"), "bbh");
  EXPECT_EQ(guess_format("t", "/d/bbh"), "bbh");
  EXPECT_EQ(guess_format("MATH", "/tmp/x.jsonl"), "math500");  // case does not matter
  // Only the file's own folder counts: a "mathilde" further up must not make it MATH.
  EXPECT_THROW(guess_format("items", "/home/mathilde/data/x.jsonl"), InputError);
}

TEST(FormatTable, ListsEveryFormatWithItsTask) {
  std::vector<std::string> names;
  for (const auto& f : formats()) {
    names.push_back(f.name);
    EXPECT_FALSE(f.description.empty()) << f.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"math500", "agieval_math", "gsm8k", "aqua", "gpqa", "mbpp", "humaneval",
                                             "humaneval_et", "bbh"}));
  EXPECT_EQ(formats()[3].task, TaskType::choice);
  EXPECT_EQ(formats()[4].task, TaskType::reasoning_choice);
  EXPECT_EQ(formats()[7].task, TaskType::code);
  EXPECT_EQ(formats()[8].task, TaskType::exact);
}

TEST(DataSpec, NameAndPath) {
  const DataSpec s = parse_data_spec("aqua=/data/aqua/test.jsonl");
  EXPECT_EQ(s.name, "aqua");
  EXPECT_EQ(s.format, "");
  EXPECT_EQ(s.path, "/data/aqua/test.jsonl");
}

TEST(DataSpec, NameFormatAndAPathHoldingSeparators) {
  const DataSpec s = parse_data_spec("pool:aqua=/data/a=b:c.jsonl");
  EXPECT_EQ(s.name, "pool");
  EXPECT_EQ(s.format, "aqua");
  EXPECT_EQ(s.path, "/data/a=b:c.jsonl");
}

std::string spec_error(std::string_view text) {
  try {
    parse_data_spec(text);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for " << text;
  return {};
}

TEST(DataSpec, ClearErrors) {
  EXPECT_EQ(spec_error("aqua"), "--data: `aqua`: expected NAME=PATH or NAME:FORMAT=PATH, found no '='");
  EXPECT_EQ(spec_error("=x.jsonl"), "--data: `=x.jsonl`: expected a dataset name before '=' (NAME=PATH)");
  EXPECT_EQ(spec_error(":aqua=x.jsonl"), "--data: `:aqua=x.jsonl`: expected a dataset name before '=' (NAME=PATH)");
  EXPECT_EQ(spec_error("aqua="), "--data: `aqua=`: expected a file path after '=' (NAME=PATH)");
  EXPECT_THAT(spec_error("a:=x"), HasSubstr("expected a format after ':' (NAME:FORMAT=PATH); known formats: math500"));
  EXPECT_THAT(spec_error("a:maths=x"), HasSubstr("unknown format `maths`; known formats: math500, agieval_math"));
}

}  // namespace
}  // namespace maspo::data
