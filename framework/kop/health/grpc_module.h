// kop/health/grpc_module: the C interface of libkop_health_grpc.so, the grpc.health.v1.Health
// server that HealthServer loads when (and only when) a gRPC probe address is configured.
//
// gRPC and its dependencies (a dozen shared libraries) cost an operator about 3 MiB of
// resident memory once loaded, used or not; keeping them in a module loaded on demand means
// an operator without gRPC probes never maps them. The interface is plain C so that the
// module shares no C++ types (and no copies of kop's globals) with the program loading it.
#ifndef KOP_HEALTH_GRPC_MODULE_H_
#define KOP_HEALTH_GRPC_MODULE_H_

extern "C" {

struct KopGrpcHealth;

// Starts a server on `address` ("host:port", port 0 for any) serving grpc.health.v1.Health
// (every other method answers UNIMPLEMENTED); the overall status ("") starts NOT_SERVING.
// Returns null when it cannot listen; *port is the bound port.
KopGrpcHealth* kop_grpc_health_start(const char* address, int* port);
// Sets the status of the overall service "".
void kop_grpc_health_set_serving(KopGrpcHealth* server, int serving);
// Every service NOT_SERVING from now on, whatever is set later (shutting down).
void kop_grpc_health_shutdown(KopGrpcHealth* server);
// Stops the server (in-flight calls get a second) and frees it.
void kop_grpc_health_stop(KopGrpcHealth* server);

}  // extern "C"

#endif  // KOP_HEALTH_GRPC_MODULE_H_
