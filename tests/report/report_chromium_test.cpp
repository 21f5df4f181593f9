// The report in a real browser: headless Chromium (Debian's `chromium`) opens the file, we read the
// DOM it built and its console log, and keep a screenshot in the build directory. A report that
// is not valid enough to render, a script error, a resource the CSP refuses, an element injected by
// model text: each shows up here. Two controls prove the checks can fail.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "maspo/report.hpp"
#include "report/bench_fixture.hpp"
#include "report/report_fixture.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

#ifndef MASPO_BUILD_DIR
#error "tests/CMakeLists.txt defines MASPO_BUILD_DIR for every test"
#endif

namespace {

namespace fs = std::filesystem;
using maspo::report::testing::occurrences;

std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string p = dir + "/chromium";
    if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

struct Browser {
  int code = -1;
  std::string dom;   // what --dump-dom printed: the DOM after load, serialized
  std::string log;   // stderr, with the page's console messages
  double seconds = 0;
};

Browser open_page(const fs::path& page, const fs::path& screenshot, const fs::path& work) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    ADD_FAILURE() << "chromium not found: run scripts/setup (it installs Debian's `chromium`)";
    return {};
  }
  fs::create_directories(work);
  const auto out = work / "dom.html", err = work / "chromium.log";
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = maspo::testing::spawn_captured(
      {chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
       "--user-data-dir=" + (work / "profile").string(), "--enable-logging=stderr", "--v=0",
       "--screenshot=" + screenshot.string(), "--window-size=1280,2000", "--dump-dom", "file://" + page.string()},
      {}, out, err);
  Browser b;
  if (pid < 0) {
    ADD_FAILURE() << "could not start " << chromium;
    return b;
  }
  b.code = maspo::testing::wait_exit(pid, std::chrono::seconds(300));
  b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  b.dom = maspo::testing::slurp(out);
  b.log = maspo::testing::slurp(err);
  return b;
}

// The page's console messages and uncaught errors. Chromium logs every console call (error or not)
// as "...:CONSOLE(...)]"; the report logs nothing, so any such line is a problem.
std::vector<std::string> console_problems(const std::string& log) {
  std::vector<std::string> out;
  std::stringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) out.push_back(line);
  }
  return out;
}

// Width and height from the PNG's IHDR chunk; {0, 0} when the file is not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || png.compare(12, 4, "IHDR") != 0) return {0, 0};
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

void expect_screenshot(const fs::path& png) {
  const std::string bytes = maspo::testing::slurp(png);
  EXPECT_EQ(png_size(bytes), std::make_pair(1280u, 2000u)) << png;
  EXPECT_GT(bytes.size(), 30'000u) << png << ": too small to hold the rendered charts and tables";
}

TEST(ReportChromium, RunReportRendersWithoutConsoleErrorsAndKeepsAScreenshot) {
  maspo::testing::TempDir tmp("maspo-report-chromium");
  maspo::report::testing::make_full_run(tmp.path() / "run", true);
  const fs::path page = maspo::report::write_report(tmp.path() / "run");
  const std::string html = maspo::testing::slurp(page);
  const fs::path shot = fs::path(MASPO_BUILD_DIR) / "report-screenshot.png";
  fs::remove(shot);
  // Kept beside the screenshot, to look at the whole page in a browser.
  fs::copy_file(page, fs::path(MASPO_BUILD_DIR) / "report-example.html", fs::copy_options::overwrite_existing);

  const Browser b = open_page(page, shot, tmp.path() / "browser");
  ASSERT_EQ(b.code, 0) << b.log;
  EXPECT_EQ(console_problems(b.log), std::vector<std::string>{}) << b.log;
  EXPECT_NE(b.dom.find("<h1>maspo report: run</h1>"), std::string::npos) << b.dom.substr(0, 2000);
  EXPECT_EQ(occurrences(b.dom, "<svg"), 8u) << "every chart of the full run is in the rendered page";
  EXPECT_EQ(occurrences(b.dom, "<svg"), occurrences(html, "<svg"));
  EXPECT_GE(occurrences(b.dom, "<circle"), 10u);
  EXPECT_GE(occurrences(b.dom, "<polyline"), 4u);
  EXPECT_EQ(occurrences(b.dom, "<section id=\"agent-"), 2u);
  // The hostile text is shown as text, so the DOM serializes it escaped; no element came of it.
  EXPECT_EQ(occurrences(b.dom, "<img"), 0u);
  EXPECT_EQ(occurrences(b.dom, "<script"), 1u);
  EXPECT_GE(occurrences(b.dom, "&lt;script&gt;alert(1)&lt;/script&gt;"), 5u);
  expect_screenshot(shot);
  RecordProperty("chromium_seconds", std::to_string(b.seconds));
  std::cout << "chromium rendered the run report in " << b.seconds << " s; screenshot: " << shot << "\n";
}

TEST(ReportChromium, BenchReportRendersWithoutConsoleErrors) {
  maspo::testing::TempDir tmp("maspo-report-chromium");
  maspo::report::testing::make_bench_dir(tmp.path() / "bench");
  const fs::path page = maspo::report::write_report(tmp.path() / "bench");
  const fs::path shot = fs::path(MASPO_BUILD_DIR) / "report-bench-screenshot.png";
  fs::remove(shot);
  fs::copy_file(page, fs::path(MASPO_BUILD_DIR) / "report-bench-example.html",
                fs::copy_options::overwrite_existing);
  const Browser b = open_page(page, shot, tmp.path() / "browser");
  ASSERT_EQ(b.code, 0) << b.log;
  EXPECT_EQ(console_problems(b.log), std::vector<std::string>{}) << b.log;
  EXPECT_EQ(occurrences(b.dom, "<svg class=\"chart\" data-chart=\"bench-accuracy\""), 1u);
  EXPECT_EQ(occurrences(b.dom, "<rect class=\"bar\""), 3u);
  expect_screenshot(shot);
}

// Controls: a script error and a script the report's CSP does not allow are both caught, so the
// checks above can fail.
TEST(ReportChromium, ConsoleCheckCatchesAScriptErrorAndTheCspBlocksInjectedScripts) {
  maspo::testing::TempDir tmp("maspo-report-chromium");
  const fs::path broken = tmp.path() / "broken.html";
  maspo::write_file_atomic(broken, "<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>");
  Browser b = open_page(broken, tmp.path() / "broken.png", tmp.path() / "b1");
  ASSERT_EQ(b.code, 0) << b.log;
  EXPECT_FALSE(console_problems(b.log).empty()) << "an uncaught error must show in the log:\n" << b.log;

  // Our page with a script slipped in (as if escaping had failed): the CSP refuses to run it.
  maspo::store::RunStore::create(tmp.path() / "run", nlohmann::json::object());
  std::string html = maspo::report::render_run(tmp.path() / "run");
  html.insert(html.find("</main>"), "<script>document.title='pwned';</script>");
  const fs::path injected = tmp.path() / "injected.html";
  maspo::write_file_atomic(injected, html);
  b = open_page(injected, tmp.path() / "injected.png", tmp.path() / "b2");
  ASSERT_EQ(b.code, 0) << b.log;
  EXPECT_EQ(b.dom.find("<title>pwned</title>"), std::string::npos) << "the injected script ran";
  EXPECT_NE(b.log.find("Content Security Policy"), std::string::npos) << b.log;
  EXPECT_FALSE(console_problems(b.log).empty());
}

}  // namespace
