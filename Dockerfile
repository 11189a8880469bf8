# softlabel: a release build on Swift 6.3 (Debian bookworm), then a slim runtime image.
#   docker build -t softlabel . && docker run -p 8080:8080 --read-only softlabel
# The binary is built for x86-64-v3 (AVX2+FMA) by default; pass --build-arg SOFTLABEL_PORTABLE=1
# for a build that runs on any x86-64 CPU (slower kernels). docs/container.md has the details
# (podman, the health check, the user); scripts/container-check builds and runs this file.
FROM swift:6.3-bookworm AS build
ARG SOFTLABEL_PORTABLE=0
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
# The manifest declares the test targets too: SwiftPM checks their folders exist (not built here).
COPY Tests ./Tests
COPY openapi.yaml ./
RUN SOFTLABEL_PORTABLE=$SOFTLABEL_PORTABLE swift build -c release --product softlabel --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/softlabel" /softlabel

FROM debian:bookworm-slim
# Image metadata (OCI annotations). The version default follows openapi.yaml's info.version
# (scripts/container-check fails when they differ); SOFTLABEL_SOURCE is the repository URL.
ARG SOFTLABEL_VERSION=0.1.0
ARG SOFTLABEL_SOURCE=""
LABEL org.opencontainers.image.title="softlabel" \
      org.opencontainers.image.description="Label-smoothed targets, losses and calibration metrics for classifier outputs over HTTP (JSON and KServe v2)." \
      org.opencontainers.image.source="${SOFTLABEL_SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${SOFTLABEL_VERSION}"
# A fixed non-root UID/GID (65532, as distroless "nonroot") so volumes and Kubernetes
# runAsUser/fsGroup can name it. No home directory: the service writes no files at all, so the
# container runs with a read-only root filesystem (docker run --read-only).
# (useradd warns that 65532 is above SYS_UID_MAX; --no-log-init: no sparse lastlog entry for it.)
RUN groupadd --system --gid 65532 softlabel \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --no-log-init softlabel
COPY --from=build /softlabel /usr/local/bin/softlabel
USER 65532:65532
EXPOSE 8080
# softlabel drains on SIGTERM (/readyz 503, in-flight requests finish, exit 0), also as PID 1.
STOPSIGNAL SIGTERM
# GET /healthz over a plain socket (the image has no curl). The port is SOFTLABEL_PORT's, else
# 8080: when serving on another port, set -e SOFTLABEL_PORT=... as well.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/softlabel", "health", "--timeout", "2"]
ENTRYPOINT ["/usr/local/bin/softlabel"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
