#include "chaos/convergence.h"

#include <map>
#include <set>

#include "application_reconciler.h"
#include "kop/api/patch.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"
#include "kop/util/util.h"

namespace kop::chaos {
namespace {

struct Owned {
  GroupVersionResource gvr;
  std::string suffix;
  void (*desired)(const Object&, Object&);
};

const Owned kOwned[] = {
    {{"", "v1", "configmaps"}, "-config", &application::DesiredObject},
    {{"apps", "v1", "deployments"}, "", &application::DesiredObject},
    {{"", "v1", "services"}, "", &application::DesiredObject},
};

}  // namespace

std::vector<std::string> ConvergenceProblems(client::Client& client, const std::string& ns) {
  std::vector<std::string> problems;
  client::ResourceClient apps = client.Resource({"example.com", "v1", "applications"}, true).Namespace(ns);
  absl::StatusOr<client::ObjectList> list = apps.ListAll();
  if (!list.ok()) return {kop::StrCat("cannot list Applications: ", list.status().ToString())};
  std::set<std::string> live_uids;
  for (const Object& app : list->items) {
    live_uids.insert(std::string(app.uid()));
    if (app.IsBeingDeleted()) continue;
    const Json* observed = app.Find({"status", "observedGeneration"});
    if (observed == nullptr || !observed->is_number_integer() || observed->get<int64_t>() != app.generation()) {
      problems.push_back(kop::StrCat(app.name(), ": status.observedGeneration ",
                                     observed != nullptr ? observed->dump() : "missing", " != generation ",
                                     app.generation()));
    }
    for (const Owned& o : kOwned) {
      const std::string name = std::string(app.name()) + o.suffix;
      absl::StatusOr<Object> live = client.Resource(o.gvr, true).Namespace(ns).Get(name);
      if (!live.ok()) {
        problems.push_back(kop::StrCat(app.name(), ": ", o.gvr.resource, " ", name, ": ", live.status().ToString()));
        continue;
      }
      if (live->IsBeingDeleted()) {
        problems.push_back(kop::StrCat(app.name(), ": ", o.gvr.resource, " ", name, " is being deleted"));
        continue;
      }
      Object want = *live;
      o.desired(app, want);
      if (!util::SetControllerReference(app, want).ok()) {
        problems.push_back(kop::StrCat(app.name(), ": ", o.gvr.resource, " ", name, " is controlled by someone else"));
        continue;
      }
      if (want.json() != live->json()) {
        problems.push_back(kop::StrCat(app.name(), ": ", o.gvr.resource, " ", name, " differs from the spec: ",
                                       DumpJson(CreateMergePatch(live->json(), want.json()))));
      }
    }
  }
  // Nothing may be left controlled by an Application that is gone.
  for (const Owned& o : kOwned) {
    absl::StatusOr<client::ObjectList> objects = client.Resource(o.gvr, true).Namespace(ns).ListAll();
    if (!objects.ok()) {
      problems.push_back(kop::StrCat("cannot list ", o.gvr.resource, ": ", objects.status().ToString()));
      continue;
    }
    for (const Object& obj : objects->items) {
      const Json* refs = obj.Find({"metadata", "ownerReferences"});
      if (refs == nullptr || !refs->is_array()) continue;
      for (const Json& r : *refs) {
        if (r.value("kind", "") == "Application" && !live_uids.contains(r.value("uid", ""))) {
          problems.push_back(kop::StrCat(o.gvr.resource, " ", obj.name(), " is left behind by a deleted Application (uid ",
                                         r.value("uid", ""), ")"));
        }
      }
    }
  }
  return problems;
}

}  // namespace kop::chaos
