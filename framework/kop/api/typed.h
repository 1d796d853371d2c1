// kop/api/typed: user structs for spec and status over an unstructured Object.
//
// Give the struct nlohmann's to_json/from_json (NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT
// is the short way) and wrap the object:
//
//   struct AppSpec { std::string image; int replicas = 1; };
//   NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AppSpec, image, replicas)
//
//   KOP_ASSIGN_OR_RETURN(auto app, (kop::TypedObject<AppSpec, AppStatus>::FromObject(obj)));
//   app.spec.replicas = 3;
//   kop::Object out = app.ToObject();
//
// Guarantees: ToObject keeps every field of the original object that the structs do not
// write: metadata, unknown top-level fields, and unknown keys inside spec and status at any
// depth of nested objects. Fields the structs write replace the original values; arrays are
// replaced whole.
// Caveats: a field a struct stops writing (an optional reset to nullopt that to_json omits)
// keeps its original value; write null or clear it through object() to remove it.
#ifndef KOP_API_TYPED_H_
#define KOP_API_TYPED_H_

#include <exception>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/base/strings.h"
#include "kop/api/json.h"
#include "kop/api/object.h"

namespace kop {

// Overlays `typed` on `original`: keys of objects merge recursively, everything else in
// `typed` replaces what `original` had.
Json OverlayJson(Json original, const Json& typed);

// A status-less TypedObject uses this for Status.
struct NoStatus {};
inline void to_json(Json& j, const NoStatus&) { j = nullptr; }
inline void from_json(const Json&, NoStatus&) {}

template <typename Spec, typename Status = NoStatus>
class TypedObject {
 public:
  // Decodes spec and status (absent ones decode from {}). InvalidArgument naming spec or
  // status and nlohmann's description when a field has the wrong type.
  static absl::StatusOr<TypedObject> FromObject(Object obj) {
    TypedObject t;
    absl::Status s = Decode("spec", obj.spec(), t.spec);
    if (s.ok()) s = Decode("status", obj.status(), t.status);
    if (!s.ok()) return s;
    t.object_ = std::move(obj);
    return t;
  }

  // The original object with spec and status written back.
  Object ToObject() const {
    Object out = object_;
    Write(out, "spec", spec);
    Write(out, "status", status);
    return out;
  }

  // apiVersion, kind, metadata and everything else the structs do not model.
  const Object& object() const { return object_; }
  Object& object() { return object_; }

  Spec spec{};
  Status status{};

 private:
  template <typename T>
  static absl::Status Decode(const char* field, const Json* j, T& out) {
    try {
      if (j == nullptr || j->is_null()) {
        Json::object().get_to(out);
      } else {
        j->get_to(out);
      }
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(kop::StrCat(field, ": ", e.what()));
    }
  }

  template <typename T>
  static void Write(Object& out, const char* field, const T& value) {
    Json typed = value;
    if (typed.is_null()) return;  // NoStatus, or a struct that writes nothing
    Json& slot = out.mutable_json()[field];
    slot = OverlayJson(std::move(slot), typed);
  }

  Object object_;
};

}  // namespace kop

#endif  // KOP_API_TYPED_H_
