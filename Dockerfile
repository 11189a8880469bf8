# softlabel: a release build on Swift 6.3 (Debian bookworm), then a slim runtime image.
#   docker build -t softlabel . && docker run -p 8080:8080 softlabel
# The binary is built for x86-64-v3 (AVX2+FMA) by default; pass --build-arg SOFTLABEL_PORTABLE=1
# for a build that runs on any x86-64 CPU (slower kernels).
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
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 softlabel
COPY --from=build /softlabel /usr/local/bin/softlabel
USER softlabel
EXPOSE 8080
# softlabel handles SIGTERM itself (graceful drain), also as PID 1.
ENTRYPOINT ["/usr/local/bin/softlabel"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
