// Per-item results of the final evaluation: the seed and the optimized prompts side by side for
// each test item (answer, status, error, final output), with a filter box. Items with an error
// are highlighted.
#include <map>

#include <fmt/format.h>

#include "report/run_sections.hpp"

namespace maspo::report {

namespace {

constexpr std::size_t kMaxItems = 3000;
constexpr const char* kTableId = "items-table";

std::string status_html(const json* item) {
  if (item == nullptr) return html::esc("\xE2\x80\x94");
  const std::string status = html::text(*item, "status");
  const char* css = html::flag(*item, "correct") ? "ok" : "err";
  return fmt::format("<span class=\"{}\">{}</span>", css, html::esc(status));
}

std::string output_html(const json* seed, const json* optimized) {
  std::string body;
  for (const auto& [name, item] : {std::pair{"seed", seed}, std::pair{"optimized", optimized}}) {
    if (item == nullptr) continue;
    const std::string out = html::text(html::field(*item, "trace"), "final_output");
    body += "<b>" + std::string(name) + "</b>" + html::pre(out, 3000);
  }
  return body.empty() ? "" : html::details("final outputs", body);
}

// A row is marked when the system itself failed on the item (status "error"), not for a wrong answer.
bool failed(const json* seed, const json* optimized) {
  for (const json* item : {seed, optimized}) {
    if (item != nullptr && html::text(*item, "status") == "error") return true;
  }
  return false;
}

std::string errors_of(const json* seed, const json* optimized) {
  std::string out;
  for (const auto& [name, item] : {std::pair{"seed", seed}, std::pair{"optimized", optimized}}) {
    if (item == nullptr || html::text(*item, "error").empty()) continue;
    out += (out.empty() ? "" : "\n") + std::string(name) + ": " + html::text(*item, "error");
  }
  return out;
}

std::string sides_summary(const RunData& run) {
  std::string out = "<ul>";
  for (const auto& side : run.evals) {
    if (!side.present) {
      out += "<li>" + html::esc(side.name) + ": not evaluated</li>";
      continue;
    }
    int errors = 0;
    for (const auto& item : side.items) errors += html::text(item, "status") == "error";
    out += "<li>" + html::esc(fmt::format("{}: {} items, {} with an error", side.name, side.items.size(), errors));
    if (side.unreadable_lines > 0) out += html::esc(fmt::format(", {} unreadable lines", side.unreadable_lines));
    out += "</li>";
  }
  return out + "</ul>";
}

}  // namespace

html::Section items_section(const RunData& run) {
  const EvalSide& seed = run.evals[0];
  const EvalSide& optimized = run.evals[1];
  if (seed.items.empty() && optimized.items.empty()) {
    return {"items", "Items", sides_summary(run) + html::note("No per-item result in this run.")};
  }
  std::vector<std::string> ids;
  std::map<std::string, std::pair<const json*, const json*>> by_id;
  for (const auto* side : {&seed, &optimized}) {
    for (const auto& item : side->items) {
      const std::string id = html::text(item, "id");
      auto [it, fresh] = by_id.try_emplace(id);
      if (fresh) ids.push_back(id);
      (side == &seed ? it->second.first : it->second.second) = &item;
    }
  }
  html::Table t({"id", "gold", "seed answer", "seed", "optimized answer", "optimized", "error or grading detail", "output"},
                kTableId);
  for (std::size_t i = 0; i < ids.size() && i < kMaxItems; ++i) {
    const auto [s, o] = by_id[ids[i]];
    const json* any = s != nullptr ? s : o;
    const std::string errors = errors_of(s, o);
    t.row({html::esc(ids[i]), html::esc(html::text(*any, "gold")),
           s ? html::esc(html::truncated(html::text(*s, "extracted"), 200)) : "",
           status_html(s), o ? html::esc(html::truncated(html::text(*o, "extracted"), 200)) : "", status_html(o),
           html::esc(html::truncated(errors, 1000)), output_html(s, o)},
          failed(s, o) ? "bad" : "");
  }
  std::string body = sides_summary(run) + html::filter_box(kTableId) + t.str();
  if (ids.size() > kMaxItems) body += html::note(fmt::format("First {} of {} items shown.", kMaxItems, ids.size()));
  return {"items", "Items", body};
}

}  // namespace maspo::report
