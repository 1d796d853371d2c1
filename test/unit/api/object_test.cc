#include "kop/api/object.h"

#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "support/objects.h"

namespace kop {
namespace {

constexpr const char* kDeployment = R"({
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "resourceVersion": "42",
               "generation": 3, "labels": {"app": "web"}, "annotations": {"a/b": "c"},
               "finalizers": ["example.com/cleanup"],
               "creationTimestamp": "2024-05-01T10:00:00Z",
               "managedFields": [{"manager": "kubectl"}],
               "ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Application",
                                    "name": "web", "uid": "u-0", "controller": true}]},
  "spec": {"replicas": 2, "paused": false, "template": {"spec": {"containers": [
    {"name": "app", "image": "nginx"}]}}},
  "status": {"readyReplicas": 1}
})";

// Reading tests run on both representations: the tree and the compact form caches keep.
void MaybeCompact(Object& obj) {
  if (GENERATE(false, true)) {
    obj.Compact();
    REQUIRE(obj.is_compact());
  }
}

TEST_CASE("object metadata reads through typed accessors") {
  auto obj = Object::Parse(kDeployment);
  REQUIRE(obj.ok());
  MaybeCompact(*obj);
  CHECK(obj->api_version() == "apps/v1");
  CHECK(obj->kind() == "Deployment");
  CHECK(obj->gvk().value() == GroupVersionKind{"apps", "v1", "Deployment"});
  CHECK(obj->name() == "web");
  CHECK(obj->namespace_() == "default");
  CHECK(obj->uid() == "u-1");
  CHECK(obj->resource_version() == "42");
  CHECK(obj->generation() == 3);
  CHECK(obj->key() == ObjectKey{"default", "web"});
  CHECK(obj->labels() == std::map<std::string, std::string>{{"app", "web"}});
  CHECK(obj->label("app") == "web");
  CHECK_FALSE(obj->label("missing").has_value());
  CHECK(obj->annotation("a/b") == "c");
  CHECK(obj->finalizers() == std::vector<std::string>{"example.com/cleanup"});
  CHECK(obj->creation_timestamp().value() == absl::FromUnixSeconds(1714557600));
  CHECK_FALSE(obj->deletion_timestamp().value().has_value());
  CHECK_FALSE(obj->IsBeingDeleted());
  REQUIRE(obj->managed_fields() != nullptr);
  auto refs = obj->owner_references();
  REQUIRE(refs.ok());
  REQUIRE(refs->size() == 1);
  CHECK((*refs)[0].is_controller());
}

TEST_CASE("absent metadata reads as empty") {
  Object obj;
  CHECK(obj.name().empty());
  CHECK(obj.generation() == 0);
  CHECK(obj.labels().empty());
  CHECK(obj.finalizers().empty());
  CHECK(obj.owner_references().value().empty());
  CHECK(obj.spec() == nullptr);
}

TEST_CASE("metadata setters create what they need") {
  Object obj = Object::New({"", "v1", "ConfigMap"}, {"ns", "cm"});
  CHECK(obj.api_version() == "v1");
  CHECK(obj.key() == ObjectKey{"ns", "cm"});
  obj.SetLabel("tier", "web");
  obj.SetAnnotation("note", "x");
  obj.set_generation(7);
  obj.set_resource_version("9");
  CHECK(obj.label("tier") == "web");
  CHECK(obj.annotation("note") == "x");
  CHECK(obj.generation() == 7);
  CHECK(obj.RemoveLabel("tier"));
  CHECK_FALSE(obj.RemoveLabel("tier"));
  obj.set_deletion_timestamp(absl::FromUnixSeconds(1714557600));
  CHECK(obj.IsBeingDeleted());
  CHECK(obj.json()["metadata"]["deletionTimestamp"] == "2024-05-01T10:00:00Z");
}

TEST_CASE("finalizers add once and remove cleanly") {
  Object obj;
  CHECK(obj.AddFinalizer("a"));
  CHECK_FALSE(obj.AddFinalizer("a"));
  CHECK(obj.AddFinalizer("b"));
  CHECK(obj.HasFinalizer("b"));
  CHECK(obj.RemoveFinalizer("a"));
  CHECK_FALSE(obj.RemoveFinalizer("a"));
  CHECK(obj.finalizers() == std::vector<std::string>{"b"});
  CHECK(obj.RemoveFinalizer("b"));
  CHECK(obj.Find({"metadata", "finalizers"}) == nullptr);
}

TEST_CASE("managedFields can be stripped") {
  auto obj = Object::Parse(kDeployment);
  REQUIRE(obj.ok());
  MaybeCompact(*obj);
  obj->ClearManagedFields();
  CHECK(obj->managed_fields() == nullptr);
  CHECK(obj->name() == "web");
}

TEST_CASE("nested fields read by path, through arrays too") {
  auto obj = Object::Parse(kDeployment).value();
  MaybeCompact(obj);
  CHECK(obj.FindView({"spec", "template", "spec", "containers", "0", "name"}).get_string() ==
        "app");
  CHECK_FALSE(obj.FindView({"spec", "template", "spec", "containers", "1"}).exists());
  CHECK_FALSE(obj.FindView({"spec", "template", "spec", "containers", "x"}).exists());
  CHECK(obj.GetInt64({"spec", "replicas"}).value() == 2);
  CHECK(obj.GetBool({"spec", "paused"}).value() == false);
  CHECK(obj.GetDouble({"spec", "replicas"}).value() == 2.0);
  CHECK(obj.GetString({"spec", "template", "spec", "containers", "0", "image"}).value() ==
        "nginx");
  CHECK(obj.Find({"spec", "template", "spec", "containers", "1"}) == nullptr);
  CHECK(obj.Find({"spec", "replicas", "x"}) == nullptr);
}

TEST_CASE("reading a field of the wrong type names the path and both types") {
  auto obj = Object::Parse(kDeployment).value();
  MaybeCompact(obj);
  auto s = obj.GetString({"spec", "replicas"});
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.status().message() == "spec.replicas: expected string, got integer");
  CHECK(obj.GetInt64({"spec", "missing"}).status().code() == absl::StatusCode::kNotFound);
  CHECK(obj.GetBool({"spec", "replicas"}).status().message() ==
        "spec.replicas: expected boolean, got integer");
}

TEST_CASE("setting a nested field creates intermediate objects") {
  Object obj;
  REQUIRE(obj.Set({"spec", "template", "metadata", "labels", "app"}, "web").ok());
  CHECK(obj.GetString({"spec", "template", "metadata", "labels", "app"}).value() == "web");
  REQUIRE(obj.Set({"spec", "replicas"}, 3).ok());
  CHECK(obj.GetInt64({"spec", "replicas"}).value() == 3);
}

TEST_CASE("setting through a non-object fails and leaves the object usable") {
  Object obj;
  REQUIRE(obj.Set({"spec", "replicas"}, 3).ok());
  absl::Status s = obj.Set({"spec", "replicas", "x"}, 1);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message() == "Set spec.replicas.x: spec.replicas is a integer, not an object");
  CHECK(obj.GetInt64({"spec", "replicas"}).value() == 3);
  CHECK_FALSE(obj.Set({}, 1).ok());
}

TEST_CASE("removing a nested field reports whether it existed") {
  Object obj;
  REQUIRE(obj.Set({"spec", "a"}, 1).ok());
  CHECK(obj.Remove({"spec", "a"}));
  CHECK_FALSE(obj.Remove({"spec", "a"}));
  CHECK_FALSE(obj.Remove({"nothing", "here"}));
}

TEST_CASE("non-object JSON and mistyped metadata are rejected with the field named") {
  // Parse and ParseCompact check the same things and say the same.
  auto parse = GENERATE(as<absl::StatusOr<Object> (*)(std::string_view)>(), &Object::Parse,
                        &Object::ParseCompact);
  CHECK(parse("[1]").status().message() == "object: expected a JSON object, got array");
  CHECK(parse("not json").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(parse(R"({"metadata": 1})").status().message() == "metadata: expected object, got integer");
  CHECK(parse(R"({"kind": 5})").status().message() == "kind: expected string, got integer");
  CHECK(parse(R"({"metadata": {"name": 5}})").status().message() ==
        "metadata.name: expected string, got integer");
  CHECK(parse(R"({"metadata": {"generation": "1"}})").status().message() ==
        "metadata.generation: expected integer, got string");
  CHECK(parse(R"({"metadata": {"generation": 18446744073709551615}})").ok());
  CHECK(parse(R"({"metadata": {"generation": 1.5}})").status().message() ==
        "metadata.generation: expected integer, got number");
  CHECK(parse(R"({"metadata": {"labels": {"a": 1}}})").status().message() ==
        "metadata.labels.a: expected string, got integer");
  CHECK(parse(R"({"metadata": {"labels": null, "finalizers": null}})").ok());
  CHECK(parse(R"({"metadata": {"finalizers": [1]}})").status().message() ==
        "metadata.finalizers: expected array of strings, found integer");
  CHECK(parse(R"({"metadata": {"finalizers": {"a": "b"}}})").status().message() ==
        "metadata.finalizers: expected array, got object");
  CHECK(std::string(parse(R"({"metadata": {"ownerReferences": [{"kind": 5}]}})").status().message()) ==
        "metadata.ownerReferences[0].kind: expected string, got integer");
  CHECK(std::string(parse(R"({"metadata": {"ownerReferences": [7]}})").status().message()) ==
        "metadata.ownerReferences[0]: expected object, got integer");
  // An incomplete reference is still an object; owner_references() says what it lacks.
  absl::StatusOr<Object> incomplete = parse(R"({"metadata": {"ownerReferences": [{"kind": "X"}]}})");
  REQUIRE(incomplete.ok());
  CHECK(std::string(incomplete->owner_references().status().message()).find("ownerReferences[0]") != std::string::npos);
}

TEST_CASE("ParseCompact gives a compact object equal to Parse's tree") {
  absl::StatusOr<Object> compact = Object::ParseCompact(kDeployment);
  REQUIRE(compact.ok());
  CHECK(compact->is_compact());
  const Object tree = Object::Parse(kDeployment).value();
  CHECK_FALSE(tree.is_compact());
  CHECK(*compact == tree);
  CHECK(compact->json() == tree.json());
  CHECK(compact->name() == "web");
  Object changed = *compact;
  changed.SetLabel("tier", "front");
  CHECK_FALSE(changed.is_compact());
  CHECK(changed.label("tier") == "front");
  CHECK(changed.label("app") == tree.label("app"));
}

TEST_CASE("a malformed timestamp is an error on read, not a crash") {
  Object obj = Object::Parse(R"({"metadata": {"creationTimestamp": "soon"}})").value();
  MaybeCompact(obj);
  auto t = obj.creation_timestamp();
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find("metadata.creationTimestamp") != std::string_view::npos);
}

TEST_CASE("shared snapshots are read-only and copies are independent") {
  auto snapshot = std::make_shared<const Object>(test::MakeConfigMap("ns", "a", {{"k", "v"}}));
  Object copy = *snapshot;
  copy.SetLabel("changed", "yes");
  CHECK_FALSE(snapshot->label("changed").has_value());
  CHECK(copy != *snapshot);
}

TEST_CASE("a compact object reads, decodes and compares like its tree") {
  const Object tree = Object::Parse(kDeployment).value();
  Object compact = tree;
  compact.Compact();
  REQUIRE(compact.is_compact());
  CHECK(compact == tree);
  CHECK(compact.Dump() == tree.Dump());
  CHECK(compact.owner_references().value() == tree.owner_references().value());
  CHECK(compact.finalizers() == tree.finalizers());
  CHECK(compact.HasFinalizer("example.com/cleanup"));
  CHECK(compact.annotations() == tree.annotations());
  CHECK(compact.creation_timestamp().value() == tree.creation_timestamp().value());
  CHECK_FALSE(compact.IsBeingDeleted());
  // json() decodes once: every caller gets the same tree.
  const Json* first = &compact.json();
  CHECK(*first == tree.json());
  CHECK(&compact.json() == first);
  CHECK(*compact.spec() == *tree.spec());
  CHECK(compact.is_compact());
  Object changed = tree;
  REQUIRE(changed.Set({"spec", "replicas"}, 5).ok());
  changed.Compact();
  CHECK(changed != compact);
}

TEST_CASE("concurrent first reads of a compact object's tree agree") {
  auto shared = std::make_shared<Object>(Object::Parse(kDeployment).value());
  shared->Compact();
  const std::shared_ptr<const Object> snapshot = shared;
  std::vector<const Json*> seen(4);
  {
    std::vector<std::thread> readers;
    for (size_t i = 0; i < seen.size(); ++i) {
      readers.emplace_back([&, i] { seen[i] = &snapshot->json(); });
    }
    for (std::thread& t : readers) t.join();
  }
  for (const Json* j : seen) CHECK(j == seen[0]);
  CHECK(snapshot->json()["metadata"]["name"] == "web");
}

TEST_CASE("mutating a compact object turns it back into a tree, keeping everything") {
  Object obj = Object::Parse(kDeployment).value();
  obj.Compact();
  const Object copy = obj;  // shares the encoding
  CHECK(copy.is_compact());
  // Arguments that point into the object's own encoding stay valid through the mutation.
  obj.set_name(obj.name());
  CHECK_FALSE(obj.is_compact());
  CHECK(obj == copy);
  obj.Compact();
  obj.SetLabel(obj.namespace_(), obj.uid());
  CHECK(obj.label("default") == "u-1");
  obj.Compact();
  const std::string_view key = obj.FindView({"metadata", "labels", "app"}).get_string();
  REQUIRE(obj.Set({"metadata", "labels", key}, "changed").ok());
  CHECK(obj.label("web") == "changed");
  obj.Compact();
  // labels.app is "web": removes labels.web, named by a view into the encoding being released.
  CHECK(
      obj.Remove({"metadata", "labels", obj.FindView({"metadata", "labels", "app"}).get_string()}));
  CHECK_FALSE(obj.label("web").has_value());
  CHECK(obj.label("app") == "web");
  obj.Compact();
  obj.mutable_json()["spec"]["replicas"] = 9;
  CHECK(obj.GetInt64({"spec", "replicas"}).value() == 9);
  CHECK(copy.GetInt64({"spec", "replicas"}).value() == 2);
  CHECK(copy.label("app") == "web");
  // Moving and assigning carry a decoded tree along without leaking it (ASan checks).
  Object decoded = copy;
  (void)decoded.json();
  Object moved = std::move(decoded);
  CHECK(moved.json()["kind"] == "Deployment");
  moved = copy;
  CHECK(moved == copy);
}

}  // namespace
}  // namespace kop
