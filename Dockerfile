# syntax=docker/dockerfile:1
#
# Switchboard image: one static binary, run as `serve` (API + Twilio webhooks),
# `worker` (Temporal worker) or `migrate` (SQL migrations + Temporal search
# attributes). See docker-compose.yml for the production shape.
#
#   docker build -t switchboard:local .
#   docker run --rm switchboard:local keygen     # prints a SWITCHBOARD_SECRET_KEY

ARG GO_VERSION=1.26

# ---------------------------------------------------------------- build stage
# Runs on the builder's own platform and cross-compiles (CGO is off), so
# `docker buildx build --platform linux/amd64,linux/arm64 .` needs no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 \
    GOFLAGS=-buildvcs=false

# Module download in its own layer: it is rebuilt only when go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG TARGETOS
ARG TARGETARCH
# The SQL migrations and the console are embedded (go:embed): the binary is all
# the runtime stage needs. -tags switchboard_nodev compiles `dev` out, and with
# it the Twilio emulator, the example bot and the local Temporal/PostgreSQL
# setup (docs/binaries.md; cmd/switchboard/binaries_test.go checks this line).
RUN --mount=type=cache,target=/root/.cache/go-build \
    GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -tags switchboard_nodev -ldflags='-s -w' -o /out/switchboard ./cmd/switchboard

# -------------------------------------------------------------- runtime stage
# debian:bookworm-slim rather than gcr.io/distroless/static-debian12:nonroot:
# distroless has no shell and no HTTP client, so nothing could probe the API's
# /readyz from inside the container. Here curl is available, and compose's api
# service uses it for its healthcheck. ca-certificates is required for the
# HTTPS calls to api.twilio.com; tzdata keeps time zones available.
#
# There is deliberately no HEALTHCHECK instruction: the same image also runs
# `worker` (whose /readyz is on :8090) and the one-shot `migrate`, which an
# image-wide probe of :8080 would report as unhealthy. The probes live on the
# api and worker services in docker-compose.yml instead.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 switchboard \
    && useradd --system --uid 10001 --gid switchboard \
        --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin switchboard

COPY --from=build /out/switchboard /switchboard

USER 10001:10001
ENV SWITCHBOARD_HTTP_ADDR=:8080
EXPOSE 8080 8090
ENTRYPOINT ["/switchboard"]
CMD ["serve"]
