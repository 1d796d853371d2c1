# Multi-stage image of a kop program. The build stage runs the same scripts CI runs
# (scripts/setup, scripts/build), so what CI tests is what the image builds.
#
#   docker build -t kop-demo .
#   docker run --rm kop-demo --workers 4 --log-format json

FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/setup \
 && KOP_BUILD_TYPE=Release scripts/build /build -DKOP_BUILD_TESTS=OFF -DKOP_BUILD_BENCH=OFF

FROM debian:bookworm-slim
# Only the shared libraries the binary links at run time.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libabsl20220623 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/operators/queue-demo/kop-queue-demo /usr/local/bin/kop-queue-demo
# Non-root, as Kubernetes' restricted Pod Security Standard expects.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kop-queue-demo"]
