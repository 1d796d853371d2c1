// libkop_health_grpc.so: see grpc_module.h.
#include "kop/health/grpc_module.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <memory>
#include <string>

namespace {

// Answers every method but the health service's with UNIMPLEMENTED. gRPC will not start a
// server without a service of its own, and this one also gives the health service the
// callback machinery it runs on.
class UnimplementedService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    class Reactor final : public grpc::ServerGenericBidiReactor {
     public:
      Reactor() { Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "")); }
      void OnDone() override { delete this; }
    };
    return new Reactor();
  }
};

}  // namespace

struct KopGrpcHealth {
  UnimplementedService unimplemented;
  std::unique_ptr<grpc::Server> server;
};

extern "C" {

__attribute__((visibility("default"))) KopGrpcHealth* kop_grpc_health_start(const char* address, int* port) {
  *port = 0;
  auto h = std::make_unique<KopGrpcHealth>();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.RegisterCallbackGenericService(&h->unimplemented);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  h->server = builder.BuildAndStart();
  if (h->server == nullptr || *port == 0) return nullptr;
  h->server->GetHealthCheckService()->SetServingStatus("", false);
  return h.release();
}

__attribute__((visibility("default"))) void kop_grpc_health_set_serving(KopGrpcHealth* h, int serving) {
  h->server->GetHealthCheckService()->SetServingStatus("", serving != 0);
}

__attribute__((visibility("default"))) void kop_grpc_health_shutdown(KopGrpcHealth* h) {
  h->server->GetHealthCheckService()->Shutdown();
}

__attribute__((visibility("default"))) void kop_grpc_health_stop(KopGrpcHealth* h) {
  h->server->GetHealthCheckService()->Shutdown();
  h->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  h->server->Wait();
  delete h;
}

}  // extern "C"
