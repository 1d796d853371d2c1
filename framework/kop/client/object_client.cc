#include "kop/client/object_client.h"

#include <utility>

#include "kop/base/strings.h"

namespace kop::client {
namespace {

class Unconfigured final : public ObjectClient, public StatusWriter {
 public:
  explicit Unconfigured(std::string who) : who_(std::move(who)) {}

  StatusWriter& Status() override { return *this; }
  absl::StatusOr<Object> Update(const Object&) override { return Refuse(); }
  absl::StatusOr<Object> Patch(const Object&, PatchType, const std::string&) override { return Refuse(); }

 private:
  absl::Status Refuse() const {
    return absl::FailedPreconditionError(kop::StrCat(who_, " has no client: build it with a Manager, or give it one"));
  }
  absl::StatusOr<ObjectPtr> DoGet(const GroupVersionKind&, const ObjectKey&) override { return Refuse(); }
  absl::StatusOr<std::vector<ObjectPtr>> DoList(const GroupVersionKind&, std::string_view,
                                                const LabelSelector&) override {
    return Refuse();
  }
  absl::StatusOr<Object> DoCreate(const Object&) override { return Refuse(); }
  absl::StatusOr<Object> DoUpdate(const Object&) override { return Refuse(); }
  absl::StatusOr<Object> DoPatch(const Object&, PatchType, const std::string&) override { return Refuse(); }
  absl::StatusOr<Object> DoApply(const Object&, const std::string&, bool) override { return Refuse(); }
  absl::Status DoDelete(const Object&, const DeleteOptions&) override { return Refuse(); }
  absl::Status DoDeleteAllOf(const GroupVersionKind&, std::string_view, const LabelSelector&,
                             const DeleteOptions&) override {
    return Refuse();
  }

  const std::string who_;
};

}  // namespace

std::unique_ptr<ObjectClient> UnconfiguredClient(std::string who) {
  return std::make_unique<Unconfigured>(std::move(who));
}

}  // namespace kop::client
