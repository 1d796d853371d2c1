# The Application operator's image. The build stage runs the same scripts CI runs
# (scripts/setup, scripts/build), so what CI tests is what the image builds; the e2e test
# test/e2e/dockerfile_test.sh checks that the runtime stage installs every shared library
# the binary needs and runs it as non-root.
#
#   docker build -t application-operator .
#   docker run --rm application-operator --help

FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/setup \
 && KOP_BUILD_TYPE=Release scripts/build /build -DKOP_BUILD_TESTS=OFF -DKOP_BUILD_BENCH=OFF

FROM debian:bookworm-slim
# Only the shared libraries the operator links at run time (and CA certificates for TLS).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libabsl20220623 libcivetweb1 libcurl4 libgrpc++1.51 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libssl3 libyaml-0-2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/operators/application/application-operator /usr/local/bin/application-operator
# Loaded only when --grpc-health-bind-address is set (the operator finds it in ../lib/kop/).
COPY --from=build /build/framework/kop/health/libkop_health_grpc.so /usr/local/lib/kop/libkop_health_grpc.so
# Non-root (the distroless "nonroot" uid), as Kubernetes' restricted Pod Security Standard expects.
USER 65532:65532
EXPOSE 8080 8081
# JSON logs in the container; flags given to `docker run` or the pod's args come after and win.
ENTRYPOINT ["/usr/local/bin/application-operator", "--log-format=json"]
