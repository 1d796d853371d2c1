// kop/client/typed_client: the verbs over your own spec and status structs.
//
//   struct AppSpec { std::string image; int replicas = 1; };
//   NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AppSpec, image, replicas)
//   using App = kop::TypedObject<AppSpec, AppStatus>;
//
//   kop::client::TypedClient<AppSpec, AppStatus> apps(
//       client->Resource({"example.com", "v1", "applications"}, true).Namespace("default"));
//   KOP_ASSIGN_OR_RETURN(App app, apps.Get("web"));
//   app.status.readyReplicas = 2;
//   KOP_ASSIGN_OR_RETURN(app, apps.UpdateStatus(app));
//
// Objects round-trip through kop::TypedObject, so fields the structs do not know survive.
// A server object that does not fit the structs is an InvalidArgument naming spec or status.
#ifndef KOP_CLIENT_TYPED_CLIENT_H_
#define KOP_CLIENT_TYPED_CLIENT_H_

#include <utility>
#include <vector>

#include "kop/api/typed.h"
#include "kop/base/status_macros.h"
#include "kop/client/client.h"

namespace kop::client {

template <typename Spec, typename Status = NoStatus>
class TypedClient {
 public:
  using Typed = TypedObject<Spec, Status>;

  explicit TypedClient(ResourceClient resource) : resource_(std::move(resource)) {}

  absl::StatusOr<Typed> Get(const std::string& name, const GetOptions& options = {}) const {
    KOP_ASSIGN_OR_RETURN(Object obj, resource_.Get(name, options));
    return Typed::FromObject(std::move(obj));
  }
  absl::StatusOr<std::vector<Typed>> List(const ListOptions& options = {}) const {
    KOP_ASSIGN_OR_RETURN(ObjectList list, resource_.ListAll(options));
    std::vector<Typed> out;
    out.reserve(list.items.size());
    for (Object& o : list.items) {
      KOP_ASSIGN_OR_RETURN(Typed t, Typed::FromObject(std::move(o)));
      out.push_back(std::move(t));
    }
    return out;
  }
  absl::StatusOr<Typed> Create(const Typed& obj, const WriteOptions& options = {}) const {
    KOP_ASSIGN_OR_RETURN(Object created, resource_.Create(obj.ToObject(), options));
    return Typed::FromObject(std::move(created));
  }
  absl::StatusOr<Typed> Update(const Typed& obj, const WriteOptions& options = {}) const {
    KOP_ASSIGN_OR_RETURN(Object updated, resource_.Update(obj.ToObject(), options));
    return Typed::FromObject(std::move(updated));
  }
  absl::StatusOr<Typed> UpdateStatus(const Typed& obj, const WriteOptions& options = {}) const {
    KOP_ASSIGN_OR_RETURN(Object updated, resource_.UpdateStatus(obj.ToObject(), options));
    return Typed::FromObject(std::move(updated));
  }
  absl::Status Delete(const std::string& name, const DeleteOptions& options = {}) const {
    return resource_.Delete(name, options);
  }

  const ResourceClient& resource() const { return resource_; }

 private:
  ResourceClient resource_;
};

}  // namespace kop::client

#endif  // KOP_CLIENT_TYPED_CLIENT_H_
