// Malformed input: every bad record is either an InputError naming file, line and expectation,
// or, with OnBadLine::skip, listed in Dataset::skipped while the rest loads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataset_dirs.hpp"
#include "maspo/data.hpp"
#include "maspo/util.hpp"
#include "support/temp_dir.hpp"

namespace maspo::data {
namespace {

using ::testing::HasSubstr;

// The message of the InputError that loading `path` must throw.
std::string load_error(const std::string& path, const std::string& format = "",
                       OnBadLine policy = OnBadLine::fail) {
  try {
    load_dataset("d", path, LoadOptions{format, policy});
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError loading " << path;
  return {};
}

const std::string kMath = R"({"problem": "1+1?", "answer": "2", "solution": "1+1=2", "unique_id": "m1"})";

struct BadLineCase {
  const char* format;
  std::string line;       // the bad record
  const char* expected;   // substring of the error after "FILE:2: "
};

const BadLineCase kBadLines[] = {
    BadLineCase{"math500", R"({"problem": "x", )", "invalid JSON (column"},
    BadLineCase{"math500", R"([1, 2])", "expected a JSON object, got array [1,2]"},
    BadLineCase{"math500", R"({"problem": "x"})", "key `answer`: missing; expected non-empty text (the gold answer)"},
    BadLineCase{"math500", R"({"problem": "x", "answer": 5})",
                "key `answer`: expected non-empty text (the gold answer), got number 5"},
    BadLineCase{"math500", R"({"problem": "  ", "answer": "5"})",
                "key `problem`: expected non-empty text (the problem statement), got an empty string"},
    BadLineCase{"agieval_math", R"({"problem": "x", "answer": "1", "solution": 3})",
                "key `solution`: expected a string (the worked solution), got number 3"},
    BadLineCase{"gsm8k", R"({"question": "q", "answer": "so 3"})", "key `answer`: expected a worked solution "
                                                                  "ending in \"#### <number>\", found no \"####\""},
    BadLineCase{"gsm8k", R"({"question": "q", "answer": "#### three"})",
                "key `answer`: expected a number after \"####\", got \"three\""},
    BadLineCase{"aqua", R"({"question": "q", "options": ["A)1", "B)2"], "correct": "C"})",
                "key `correct`: expected an option letter A-B, got \"C\""},
    BadLineCase{"aqua", R"({"question": "q", "options": ["A)1", "X)2"], "correct": "A"})",
                "key `options[1]`: expected an option \"B) text\", got \"X)2\""},
    BadLineCase{"aqua", R"({"question": "q", "options": "A)1", "correct": "A"})",
                "key `options`: expected a non-empty list of strings"},
    BadLineCase{"aqua", R"({"question": "q", "options": ["A)1", 2], "correct": "A"})",
                "key `options[1]`: expected a string"},
    BadLineCase{"aqua", R"({"question": "q", "options": ["A)1"]})", "key `correct`: missing"},
    BadLineCase{"gpqa", R"({"question": "q\nA) 1\nB) 2", "answer": "E"})",
                "key `answer`: expected an option letter A-D, got \"E\""},
    BadLineCase{"gpqa", R"({"Question": "q", "Correct Answer": "1", "Incorrect Answer 1": "2", "Incorrect Answer 2": "3"})",
                "key `Incorrect Answer 3`: missing"},
    BadLineCase{"mbpp", R"({"task_id": 1, "prompt": "p", "code": "def f(): pass", "test_list": []})",
                "key `test_list`: expected a non-empty list of strings (assert statements), got an empty list"},
    BadLineCase{"mbpp", R"j({"task_id": true, "prompt": "p", "code": "def f(): pass", "test_list": ["assert f()"]})j",
                "key `task_id`: expected an integer or a non-empty string"},
    BadLineCase{"mbpp", R"({"task_id": 1, "prompt": "p", "code": "def f(): pass", "test_list": ["assert True"]})",
                "key `test_list`: expected asserts that call the function defined in `code`, found no call"},
    BadLineCase{"humaneval", R"({"task_id": "H/0", "prompt": "def f():\n", "entry_point": "f x", "canonical_solution": "", "test": "t"})",
                "key `entry_point`: expected a Python function name, got \"f x\""},
    BadLineCase{"humaneval", R"({"task_id": "H/0", "prompt": "def f():\n", "entry_point": "f", "canonical_solution": ""})",
                "key `test`: missing"},
    BadLineCase{"humaneval_et", R"({"task_id": "H/0", "prompt": "def f():\n", "entry_point": "f", "canonical_solution": ""})",
                "key `test_list`: missing; expected a non-empty list of strings"}};

// One test looping over the cases: TempDir names its folder after the test, and a parameterized
// test's name holds a '/'.
TEST(BadLines, EachFormatFailsNamingFileLineAndExpectationAndSkipsOnRequest) {
  testing::TempDir dir;
  for (const auto& c : kBadLines) {
    SCOPED_TRACE(std::string(c.format) + ": " + c.line);
    // Line 1 blank (allowed), line 2 bad: the line numbers must count the blank one.
    const auto path = dir.write(std::string(c.format) + ".jsonl", "\n" + c.line + "\n");
    EXPECT_THAT(load_error(path, c.format), HasSubstr(path + ":2: " + c.expected));
    try {
      load_dataset("d", path, LoadOptions{c.format, OnBadLine::skip});
      ADD_FAILURE() << "a dataset whose only record is bad must not load";
    } catch (const InputError& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr("no examples"));
      EXPECT_THAT(std::string(e.what()), HasSubstr("line 2: " + std::string(c.expected)));
    }
  }
}

TEST(BadLines, SkipKeepsGoodRecordsAndListsBadOnesInFileOrder) {
  testing::TempDir dir;
  const std::string text = kMath + "\n" +                                  // 1 good
                           "{not json}\n" +                                 // 2 bad JSON
                           "\n   \n" +                                      // 3, 4 blank
                           R"({"problem": "2+2?", "answer": "4"})" "\n" +   // 5 good, no id
                           R"({"problem": "3+3?"})" "\n" +                  // 6 missing answer
                           "{\"problem\": \"caf\xE9\", \"answer\": \"1\"}\n";  // 7 Latin-1, not UTF-8
  const auto path = dir.write("math.jsonl", text);
  const Dataset d = load_dataset("m", path, LoadOptions{"math500", OnBadLine::skip});
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].id, "m1");
  EXPECT_EQ(d.examples[1].id, "m-5");
  EXPECT_EQ(d.examples[1].line, 5);
  ASSERT_EQ(d.skipped.size(), 3u);
  EXPECT_EQ(d.skipped[0].line, 2);
  EXPECT_THAT(d.skipped[0].message, HasSubstr("invalid JSON"));
  EXPECT_EQ(d.skipped[1].line, 6);
  EXPECT_EQ(d.skipped[1].message, "key `answer`: missing; expected non-empty text (the gold answer)");
  EXPECT_EQ(d.skipped[2].line, 7);
  EXPECT_EQ(d.skipped[2].message, "invalid UTF-8 at byte 17 of the line; expected UTF-8 text");

  // The same file with the default policy stops at the first bad line.
  EXPECT_THAT(load_error(path, "math500"), HasSubstr(path + ":2: invalid JSON"));
}

TEST(BadLines, NonUtf8LineIsAClearErrorForThatLine) {
  testing::TempDir dir;
  const auto path = dir.write("g.jsonl", R"({"question": "q", "answer": "#### 1"})" "\n"
                                         "{\"question\": \"\xC3\x28\", \"answer\": \"#### 1\"}\n");
  EXPECT_THAT(load_error(path, "gsm8k"), HasSubstr(path + ":2: invalid UTF-8 at byte 15 of the line"));
}

// A line nested 100,000 deep once crashed maspo (stack overflow dumping it for the message):
// nesting past 512 levels is refused before the line is parsed; 512 itself is still read.
TEST(BadLines, DeeplyNestedLineIsAClearErrorNotACrash) {
  testing::TempDir dir;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto path = dir.write("g.jsonl", R"({"question": "q", "answer": "#### 1"})" "\n" + deep + "\n");
  EXPECT_THAT(load_error(path, "gsm8k"),
              HasSubstr(path + ":2: JSON nested deeper than 512 levels; expected a JSON object per line"));

  const std::string at_limit = std::string(512, '[') + std::string(512, ']');
  const auto ok_depth = dir.write("h.jsonl", at_limit + "\n");
  EXPECT_THAT(load_error(ok_depth, "gsm8k"), HasSubstr(ok_depth + ":1: expected a JSON object, got array [[[["));

  // A JSON document (not JSONL) gets the same bound, naming the line where it goes too deep.
  const auto doc = dir.write("m.json", "[\n" + deep + "\n]\n");
  EXPECT_THAT(load_error(doc, "math500"), HasSubstr(doc + ":2: JSON nested deeper than 512 levels"));
}

TEST(BadLines, CrlfLineEndingsAndByteOrderMarkAreAccepted) {
  testing::TempDir dir;
  const auto path = dir.write("g.jsonl", "\xEF\xBB\xBF" R"({"question": "q1", "answer": "x\n#### 1,234"})" "\r\n\r\n"
                                         R"({"question": "q2", "answer": "#### -0.5"})" "\r\n");
  const Dataset d = load_dataset("g", path, LoadOptions{"gsm8k"});
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].gold, "1234");
  EXPECT_EQ(d.examples[1].gold, "-0.5");
  EXPECT_EQ(d.examples[1].line, 3);
  EXPECT_EQ(d.examples[1].id, "g-3");
}

TEST(BadLines, DuplicateIdsAreAnErrorEvenWhenSkipping) {
  testing::TempDir dir;
  const auto path = dir.write("m.jsonl", kMath + "\n" + R"({"problem": "p", "answer": "a"})" "\n" + kMath + "\n");
  for (OnBadLine policy : {OnBadLine::fail, OnBadLine::skip}) {
    const std::string error = load_error(path, "math500", policy);
    EXPECT_THAT(error, HasSubstr(path + ":3: duplicate id `m1` (first at " + path + " line 1)"));
  }
}

TEST(BadLines, EmptyFileIsAnError) {
  testing::TempDir dir;
  const auto path = dir.write("empty.jsonl", "\n  \n");
  EXPECT_EQ(load_error(path, "math500"), path + ": no examples; expected at least one math500 record");
}

TEST(BadLines, MissingFileNamesThePath) {
  const std::string path = "/nonexistent/maspo/aqua.jsonl";
  EXPECT_EQ(load_error(path), path + ": dataset `d`: no such file");
}

TEST(BadLines, UnknownOrUnguessableFormatListsTheKnownOnes) {
  testing::TempDir dir;
  const auto path = dir.write("items.jsonl", kMath + "\n");
  const std::string unknown = load_error(path, "mathh");
  EXPECT_THAT(unknown, HasSubstr("unknown dataset format `mathh`; known formats: math500, agieval_math, gsm8k, aqua, "
                                 "gpqa, mbpp, humaneval, humaneval_et, bbh"));
  const std::string unguessable = load_error(path);
  EXPECT_THAT(unguessable, HasSubstr("cannot tell the format of dataset `d`"));
  EXPECT_THAT(unguessable, HasSubstr("NAME:FORMAT=PATH"));
  EXPECT_THAT(unguessable, HasSubstr("humaneval_et"));
}

TEST(BadLines, JsonArrayRecordsAreNamedByTheirPath) {
  testing::TempDir dir;
  const auto path = dir.write("mbpp.json", R"([
    {"task_id": 1, "prompt": "p", "code": "def f():\n  return 1", "test_list": ["assert f() == 1"]},
    {"task_id": 2, "prompt": "p", "code": "def g():\n  return 1"}
  ])");
  EXPECT_EQ(load_error(path, "mbpp"),
            path + ": key `[1].test_list`: missing; expected a non-empty list of strings (assert statements)");
  const Dataset d = load_dataset("m", path, LoadOptions{"mbpp", OnBadLine::skip});
  ASSERT_EQ(d.examples.size(), 1u);
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped[0].line, 2);  // record number
  EXPECT_THAT(d.skipped[0].message, HasSubstr("key `[1].test_list`: missing"));
}

TEST(BadLines, InvalidJsonDocumentIsFatalAndNamesItsLine) {
  testing::TempDir dir;
  const auto array = dir.write("mbpp.json", "[\n {\"task_id\": 1},\n {\"task_id\": 2,,}\n]\n");
  EXPECT_THAT(load_error(array, "mbpp", OnBadLine::skip), HasSubstr(array + ":3: invalid JSON"));

  const auto bbh = dir.write("bbh_task.json", "{\"examples\": [\n{\"input\": \"a\", \"target\": \"b\"},\n{\"input\": }\n]}");
  EXPECT_THAT(load_error(bbh, "bbh", OnBadLine::skip), HasSubstr(bbh + ":3: invalid JSON"));
}

TEST(BadLines, BbhRecordsAndFileShape) {
  testing::TempDir dir;
  const auto bad_target = dir.write("snarks.json", R"({"examples": [{"input": "a", "target": "b"}, {"input": "c"}]})");
  EXPECT_EQ(load_error(bad_target, "bbh"),
            bad_target + ": key `examples[1].target`: missing; expected non-empty text (the gold answer)");
  const Dataset d = load_dataset("s", bad_target, LoadOptions{"bbh", OnBadLine::skip});
  ASSERT_EQ(d.examples.size(), 1u);
  EXPECT_EQ(d.examples[0].id, "snarks-0");
  EXPECT_EQ(d.skipped.at(0).line, 2);

  const auto no_examples = dir.write("x.json", R"({"canary": "c"})");
  EXPECT_THAT(load_error(no_examples, "bbh"), HasSubstr(no_examples + ": key `examples`: missing or not a list"));
}

TEST(BadLines, AFolderLoadsOnlyAsBbh) {
  testing::TempDir dir;
  dir.write("a.jsonl", kMath + "\n");
  EXPECT_THAT(load_error(dir.path().string(), "math500"), HasSubstr("is a folder; expected a dataset file"));
  EXPECT_THAT(load_error(dir.path().string(), "bbh"), HasSubstr("folder holds no <task>.json files"));
}

TEST(BadLines, TruncatedGzipIsAnError) {
  testing::TempDir dir;
  const std::string gz = read_file(testing::fixture_datasets() / "humaneval/HumanEval.jsonl.gz");
  const auto path = dir.write("HumanEval.jsonl.gz", gz.substr(0, gz.size() / 2));
  EXPECT_THAT(load_error(path), HasSubstr(path + ": gzip data is cut short"));
}

}  // namespace
}  // namespace maspo::data
