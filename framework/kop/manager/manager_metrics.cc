#include <algorithm>
#include <string>

#include "kop/base/strings.h"
#include "kop/manager/internal/collectors.h"

namespace kop {
namespace {

// "deployments.v1.apps", "configmaps.v1": how kube names a resource in one token.
std::string ResourceLabel(const GroupVersionResource& gvr) {
  return gvr.group.empty() ? kop::StrCat(gvr.resource, ".", gvr.version)
                           : kop::StrCat(gvr.resource, ".", gvr.version, ".", gvr.group);
}

}  // namespace

std::vector<prometheus::MetricFamily> Manager::Collectors::Controllers(Manager& m) {
  using prometheus::MetricType;
  metrics::FamilyBuilder total("controller_runtime_reconcile_total",
                               "Total number of reconciliations per controller", MetricType::Counter);
  metrics::FamilyBuilder errors("controller_runtime_reconcile_errors_total",
                                "Total number of reconciliation errors per controller",
                                MetricType::Counter);
  metrics::FamilyBuilder terminal("controller_runtime_terminal_reconcile_errors_total",
                                  "Total number of terminal reconciliation errors per controller",
                                  MetricType::Counter);
  metrics::FamilyBuilder panics("controller_runtime_reconcile_panics_total",
                                "Total number of reconciliation panics per controller",
                                MetricType::Counter);
  metrics::FamilyBuilder timeouts("controller_runtime_reconcile_timeouts_total",
                                  "Total number of reconciliation timeouts per controller",
                                  MetricType::Counter);
  metrics::FamilyBuilder time("controller_runtime_reconcile_time_seconds",
                              "Length of time per reconciliation per controller",
                              MetricType::Histogram);
  metrics::FamilyBuilder max_concurrent("controller_runtime_max_concurrent_reconciles",
                                        "Maximum number of concurrent reconciles per controller",
                                        MetricType::Gauge);
  metrics::FamilyBuilder active("controller_runtime_active_workers",
                                "Number of currently used workers per controller", MetricType::Gauge);
  kop::MutexLock lock(&m.mu_);
  for (const auto& c : m.controllers_) {
    const ControllerStats& st = c->stats();
    const std::string& n = c->name();
    total.Add({{"controller", n}, {"result", "success"}}, static_cast<double>(st.success.load()));
    total.Add({{"controller", n}, {"result", "error"}}, static_cast<double>(st.error.load()));
    total.Add({{"controller", n}, {"result", "requeue"}}, static_cast<double>(st.requeue.load()));
    total.Add({{"controller", n}, {"result", "requeue_after"}},
              static_cast<double>(st.requeue_after.load()));
    errors.Add({{"controller", n}}, static_cast<double>(st.error.load()));
    terminal.Add({{"controller", n}}, static_cast<double>(st.terminal_errors.load()));
    panics.Add({{"controller", n}}, static_cast<double>(st.panics.load()));
    timeouts.Add({{"controller", n}}, static_cast<double>(st.timeouts.load()));
    time.AddHistogram({{"controller", n}}, st.reconcile_time.Take());
    max_concurrent.Add({{"controller", n}}, c->max_concurrent_reconciles());
    active.Add({{"controller", n}}, st.active_workers.load());
  }
  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&total, &errors, &terminal, &panics, &timeouts, &time, &max_concurrent, &active}) {
    out.push_back(std::move(*f).Build());
  }
  return out;
}

std::vector<prometheus::MetricFamily> Manager::Collectors::Informers(Manager& m) {
  using prometheus::MetricType;
  metrics::FamilyBuilder objects("kop_informer_objects", "Objects in the informer's cache.",
                                 MetricType::Gauge);
  metrics::FamilyBuilder lists("kop_informer_lists_total",
                               "Lists made by the informer (the initial ones included).",
                               MetricType::Counter);
  metrics::FamilyBuilder relists("kop_informer_relists_total",
                                 "Lists after the initial one (after 410 Gone or a failure).",
                                 MetricType::Counter);
  metrics::FamilyBuilder restarts("kop_informer_watch_restarts_total",
                                  "Watches opened after the first one.", MetricType::Counter);
  metrics::FamilyBuilder failures("kop_informer_failures_total",
                                  "Failed lists and broken watches.", MetricType::Counter);
  metrics::FamilyBuilder events("kop_informer_events_total",
                                "Changes the informer applied to its cache, by type.",
                                MetricType::Counter);
  for (const auto& informer : m.cache_->Informers()) {
    const cache::Informer::Stats st = informer->stats();
    const std::string r = ResourceLabel(informer->resource().gvr());
    objects.Add({{"resource", r}}, static_cast<double>(st.objects));
    lists.Add({{"resource", r}}, static_cast<double>(st.lists));
    relists.Add({{"resource", r}}, static_cast<double>(std::max<int64_t>(0, st.lists - st.reflectors)));
    restarts.Add({{"resource", r}}, static_cast<double>(std::max<int64_t>(0, st.watches - st.reflectors)));
    failures.Add({{"resource", r}}, static_cast<double>(st.failures));
    events.Add({{"resource", r}, {"type", "added"}}, static_cast<double>(st.added));
    events.Add({{"resource", r}, {"type", "modified"}}, static_cast<double>(st.modified));
    events.Add({{"resource", r}, {"type", "deleted"}}, static_cast<double>(st.deleted));
  }
  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&objects, &lists, &relists, &restarts, &failures, &events}) {
    out.push_back(std::move(*f).Build());
  }
  return out;
}

}  // namespace kop
