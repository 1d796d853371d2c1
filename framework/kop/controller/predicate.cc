#include "kop/controller/predicate.h"

namespace kop::predicate {
namespace {

class UpdateOnly final : public Predicate {
 public:
  explicit UpdateOnly(std::function<bool(const Object&, const Object&)> changed)
      : changed_(std::move(changed)) {}
  bool Update(const cache::ObjectPtr& o, const cache::ObjectPtr& n) const override {
    return o == nullptr || n == nullptr || changed_(*o, *n);
  }

 private:
  std::function<bool(const Object&, const Object&)> changed_;
};

class Labels final : public Predicate {
 public:
  explicit Labels(LabelSelector s) : s_(std::move(s)) {}
  bool Create(const cache::ObjectPtr& o) const override { return M(o); }
  bool Update(const cache::ObjectPtr&, const cache::ObjectPtr& n) const override { return M(n); }
  bool Delete(const cache::ObjectPtr& o) const override { return M(o); }

 private:
  bool M(const cache::ObjectPtr& o) const { return s_.Matches(o->FindView({"metadata", "labels"})); }
  LabelSelector s_;
};

class Combine final : public Predicate {
 public:
  Combine(std::vector<PredicatePtr> ps, bool all) : ps_(std::move(ps)), all_(all) {}
  bool Create(const cache::ObjectPtr& o) const override {
    return Fold([&](const Predicate& p) { return p.Create(o); });
  }
  bool Update(const cache::ObjectPtr& o, const cache::ObjectPtr& n) const override {
    return Fold([&](const Predicate& p) { return p.Update(o, n); });
  }
  bool Delete(const cache::ObjectPtr& o) const override {
    return Fold([&](const Predicate& p) { return p.Delete(o); });
  }

 private:
  template <typename F>
  bool Fold(F f) const {
    for (const auto& p : ps_) {
      if (f(*p) != all_) return !all_;
    }
    return all_;
  }
  std::vector<PredicatePtr> ps_;
  bool all_;
};

class Negate final : public Predicate {
 public:
  explicit Negate(PredicatePtr p) : p_(std::move(p)) {}
  bool Create(const cache::ObjectPtr& o) const override { return !p_->Create(o); }
  bool Update(const cache::ObjectPtr& o, const cache::ObjectPtr& n) const override {
    return !p_->Update(o, n);
  }
  bool Delete(const cache::ObjectPtr& o) const override { return !p_->Delete(o); }

 private:
  PredicatePtr p_;
};

class Lambdas final : public Predicate {
 public:
  Lambdas(std::function<bool(const cache::ObjectPtr&)> c,
          std::function<bool(const cache::ObjectPtr&, const cache::ObjectPtr&)> u,
          std::function<bool(const cache::ObjectPtr&)> d)
      : c_(std::move(c)), u_(std::move(u)), d_(std::move(d)) {}
  bool Create(const cache::ObjectPtr& o) const override { return !c_ || c_(o); }
  bool Update(const cache::ObjectPtr& o, const cache::ObjectPtr& n) const override {
    return !u_ || u_(o, n);
  }
  bool Delete(const cache::ObjectPtr& o) const override { return !d_ || d_(o); }

 private:
  std::function<bool(const cache::ObjectPtr&)> c_;
  std::function<bool(const cache::ObjectPtr&, const cache::ObjectPtr&)> u_;
  std::function<bool(const cache::ObjectPtr&)> d_;
};

}  // namespace

PredicatePtr GenerationChanged() {
  return std::make_shared<UpdateOnly>(
      [](const Object& o, const Object& n) { return o.generation() != n.generation(); });
}
PredicatePtr ResourceVersionChanged() {
  return std::make_shared<UpdateOnly>(
      [](const Object& o, const Object& n) { return o.resource_version() != n.resource_version(); });
}
PredicatePtr LabelsChanged() {
  return std::make_shared<UpdateOnly>(
      [](const Object& o, const Object& n) { return o.labels() != n.labels(); });
}
PredicatePtr AnnotationsChanged() {
  return std::make_shared<UpdateOnly>(
      [](const Object& o, const Object& n) { return o.annotations() != n.annotations(); });
}
PredicatePtr MatchesLabels(LabelSelector selector) {
  return std::make_shared<Labels>(std::move(selector));
}
PredicatePtr And(std::vector<PredicatePtr> all) { return std::make_shared<Combine>(std::move(all), true); }
PredicatePtr Or(std::vector<PredicatePtr> any) { return std::make_shared<Combine>(std::move(any), false); }
PredicatePtr Not(PredicatePtr p) { return std::make_shared<Negate>(std::move(p)); }
PredicatePtr Funcs(std::function<bool(const cache::ObjectPtr&)> create,
                   std::function<bool(const cache::ObjectPtr&, const cache::ObjectPtr&)> update,
                   std::function<bool(const cache::ObjectPtr&)> del) {
  return std::make_shared<Lambdas>(std::move(create), std::move(update), std::move(del));
}

}  // namespace kop::predicate
