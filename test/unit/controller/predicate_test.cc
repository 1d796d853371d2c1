#include "kop/controller/predicate.h"

#include "catch2/catch.hpp"
#include "kop/controller/reconciler.h"
#include "support/objects.h"

namespace kop {
namespace {

cache::ObjectPtr App(int64_t generation, const std::string& rv,
                     const std::map<std::string, std::string>& labels = {},
                     const std::map<std::string, std::string>& annotations = {}) {
  Object o = test::MakeApplication("ns", "a");
  o.set_generation(generation);
  o.set_resource_version(rv);
  if (!labels.empty()) o.set_labels(labels);
  if (!annotations.empty()) o.set_annotations(annotations);
  return std::make_shared<const Object>(std::move(o));
}

TEST_CASE("GenerationChanged passes spec changes and drops status-only updates") {
  auto p = predicate::GenerationChanged();
  CHECK(p->Update(App(1, "1"), App(2, "2")));
  CHECK_FALSE(p->Update(App(1, "1"), App(1, "2")));
  CHECK(p->Create(App(1, "1")));
  CHECK(p->Delete(App(1, "1")));
}

TEST_CASE("ResourceVersionChanged drops resyncs") {
  auto p = predicate::ResourceVersionChanged();
  CHECK_FALSE(p->Update(App(1, "5"), App(1, "5")));
  CHECK(p->Update(App(1, "5"), App(1, "6")));
}

TEST_CASE("label and annotation predicates look at what they name") {
  CHECK(predicate::LabelsChanged()->Update(App(1, "1", {{"a", "1"}}), App(1, "2", {{"a", "2"}})));
  CHECK_FALSE(predicate::LabelsChanged()->Update(App(1, "1", {{"a", "1"}}), App(2, "2", {{"a", "1"}})));
  CHECK(predicate::AnnotationsChanged()->Update(App(1, "1", {}, {{"x", "1"}}), App(1, "2")));
  auto sel = predicate::MatchesLabels(LabelSelector::Parse("team=blue").value());
  CHECK(sel->Create(App(1, "1", {{"team", "blue"}})));
  CHECK_FALSE(sel->Create(App(1, "1", {{"team", "red"}})));
  CHECK(sel->Update(App(1, "1"), App(1, "2", {{"team", "blue"}})));
}

TEST_CASE("predicates combine with and, or, not and lambdas") {
  auto gen = predicate::GenerationChanged();
  auto labels = predicate::LabelsChanged();
  const auto old_obj = App(1, "1", {{"a", "1"}});
  const auto label_change = App(1, "2", {{"a", "2"}});
  CHECK(predicate::Or(gen, labels)->Update(old_obj, label_change));
  CHECK_FALSE(predicate::And(gen, labels)->Update(old_obj, label_change));
  CHECK(predicate::Not(gen)->Update(old_obj, label_change));
  auto no_deletes = predicate::Funcs(nullptr, nullptr, [](const cache::ObjectPtr&) { return false; });
  CHECK(no_deletes->Create(old_obj));
  CHECK_FALSE(no_deletes->Delete(old_obj));
}

TEST_CASE("terminal errors are recognisable and keep their message") {
  absl::Status s = TerminalError(absl::InvalidArgumentError("bad spec"));
  CHECK(IsTerminalError(s));
  CHECK(s.message() == "bad spec");
  CHECK_FALSE(IsTerminalError(absl::InvalidArgumentError("bad spec")));
  CHECK(IsTerminalError(TerminalError(absl::OkStatus())));
}

}  // namespace
}  // namespace kop
