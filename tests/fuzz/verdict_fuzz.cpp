// Fuzzes opt::parse_verdict, which reads the judge's A/B choice out of its reply. The whole input
// is the reply. It must never throw and only ever answer 'A', 'B' or nothing; a reply that ends
// with a complete <choose>A</choose> or <choose>B</choose> is decided by that tag alone.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "maspo/opt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view reply = maspo::fuzz::as_text(data, size);
  const std::optional<char> v = maspo::opt::parse_verdict(reply);
  FUZZ_CHECK(!v || *v == 'A' || *v == 'B');

  // Rule 1: the last complete tag decides alone. Appended after a line break, the tag's open
  // pairs with its own close, whatever (unclosed tags included) came before.
  std::string tagged(reply);
  tagged += "\n<choose>B</choose>";
  FUZZ_CHECK(maspo::opt::parse_verdict(tagged) == 'B');
  return 0;
}
