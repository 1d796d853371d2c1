// kop/testkit/fake_client: an in-memory ObjectClient for unit tests of reconcilers.
//
// Runs a reconciler without any server: give the fake as both clients of a ReconcileContext,
// seed it with objects, call Reconcile, and look at what is stored and what was written.
//
//   kop::testkit::FakeClient fake({app});
//   kop::ReconcileContext ctx(fake, fake, kop::log::Root());
//   auto result = reconciler.Reconcile({app.key()}, ctx);
//   auto deployment = fake.Get({"apps", "v1", "Deployment"}, app.key());   // created?
//   CHECK(fake.Writes().empty());                                            // steady state?
//
// What it does as the API server does: uid, resourceVersion (one counter), generation (1 on
// create, +1 when anything but metadata and status changes), creationTimestamp; 404
// NotFound, 409 AlreadyExists and Conflict (stale resourceVersion) with the server's reasons
// (kop::IsNotFound...); Update keeps the stored status and Status().Update writes only the
// status; Delete of an object with finalizers sets deletionTimestamp, and it goes when an
// update removes the last one; merge and JSON patches. What it does not: no admission,
// defaulting, validation or garbage collection; strategic merge patches are applied as merge
// patches; Apply merges the applied fields over the stored object without field ownership.
// For those, test against the embedded server (kop::testing::ApiServer).
//
// Thread-safe.
#ifndef KOP_TESTKIT_FAKE_CLIENT_H_
#define KOP_TESTKIT_FAKE_CLIENT_H_

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "kop/base/mutex.h"
#include "kop/client/object_client.h"

namespace kop::testkit {

class FakeClient final : public client::ObjectClient {
 public:
  explicit FakeClient(const std::vector<Object>& objects = {});

  // Stores `obj` as is (a uid and resourceVersion are given when it has none); not a write.
  void Add(const Object& obj);

  // A write the fake served: "create", "update", "patch", "apply", "delete", with
  // subresource "status" for status writes.
  struct Write {
    std::string verb;
    std::string subresource;
    GroupVersionKind gvk;
    ObjectKey key;
  };
  std::vector<Write> Writes() const;
  void ClearWrites();

  client::StatusWriter& Status() override { return status_; }

 private:
  class StatusPart final : public client::StatusWriter {
   public:
    explicit StatusPart(FakeClient& fake) : fake_(fake) {}
    absl::StatusOr<Object> Update(const Object& obj) override { return fake_.UpdateStatus(obj); }
    absl::StatusOr<Object> Patch(const Object& obj, client::PatchType type, const std::string& patch) override {
      return fake_.PatchStatus(obj, type, patch);
    }

   private:
    FakeClient& fake_;
  };

  // Objects are stored by group, kind, namespace and name (any version reads them).
  using Key = std::tuple<std::string, std::string, std::string, std::string>;

  absl::StatusOr<client::ObjectPtr> DoGet(const GroupVersionKind& gvk, const ObjectKey& key) override;
  absl::StatusOr<std::vector<client::ObjectPtr>> DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                        const LabelSelector& selector) override;
  absl::StatusOr<Object> DoCreate(const Object& obj) override;
  absl::StatusOr<Object> DoUpdate(const Object& obj) override;
  absl::StatusOr<Object> DoPatch(const Object& obj, client::PatchType type, const std::string& patch) override;
  absl::StatusOr<Object> DoApply(const Object& obj, const std::string& field_manager, bool force) override;
  absl::Status DoDelete(const Object& obj, const client::DeleteOptions& options) override;
  absl::Status DoDeleteAllOf(const GroupVersionKind& gvk, std::string_view ns, const LabelSelector& selector,
                             const client::DeleteOptions& options) override;
  absl::StatusOr<Object> UpdateStatus(const Object& obj);
  absl::StatusOr<Object> PatchStatus(const Object& obj, client::PatchType type, const std::string& patch);

  // Replaces the stored object with `next` (server-set fields kept from the stored one),
  // or removes it when it is being deleted and has no finalizer left.
  absl::StatusOr<Object> StoreLocked(const Key& key, Object next, bool status_only) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Object> CreateLocked(const Object& obj, const char* verb) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Object> PatchLocked(const Object& obj, client::PatchType type, const std::string& patch,
                                     bool status_only) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordLocked(const char* verb, const char* subresource, const Object& obj) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable kop::Mutex mu_;  // guards everything below
  std::map<Key, Object> objects_ ABSL_GUARDED_BY(mu_);
  int64_t rv_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t uids_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Write> writes_ ABSL_GUARDED_BY(mu_);
  StatusPart status_{*this};
};

}  // namespace kop::testkit

#endif  // KOP_TESTKIT_FAKE_CLIENT_H_
