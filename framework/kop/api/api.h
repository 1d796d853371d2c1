// kop/api: the object model shared by every part of kop.
//
// Kubernetes objects travel through kop as unstructured JSON (kop::Object over
// nlohmann::json), named by GroupVersionKind / GroupVersionResource and identified by
// ObjectKey. Start from Object; reach for TypedObject when a struct reads better than paths.
//
//   KOP_ASSIGN_OR_RETURN(kop::Object app, kop::Object::Parse(body));
//   KOP_ASSIGN_OR_RETURN(std::string image, app.GetString({"spec", "image"}));
//   auto refs = app.owner_references();
//
// Every function that reads input from outside returns absl::Status(Or) naming what was
// wrong; nothing here throws.
#ifndef KOP_API_API_H_
#define KOP_API_API_H_

#include "kop/api/condition.h"      // IWYU pragma: export
#include "kop/api/group_version.h"  // IWYU pragma: export
#include "kop/api/json.h"           // IWYU pragma: export
#include "kop/api/json_view.h"      // IWYU pragma: export
#include "kop/api/label_selector.h"  // IWYU pragma: export
#include "kop/api/object.h"         // IWYU pragma: export
#include "kop/api/object_key.h"     // IWYU pragma: export
#include "kop/api/owner_reference.h"  // IWYU pragma: export
#include "kop/api/patch.h"          // IWYU pragma: export
#include "kop/api/time.h"           // IWYU pragma: export
#include "kop/api/typed.h"          // IWYU pragma: export
#include "kop/api/yaml.h"           // IWYU pragma: export
#include "kop/base/status_macros.h"  // IWYU pragma: export

#endif  // KOP_API_API_H_
