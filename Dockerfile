# syntax=docker/dockerfile:1
# otlp-relay as a sidecar image.
#   docker build -t otlp-relay .
#   docker run --rm -p 4317:4317 -p 4318:4318 -p 13133:13133 otlp-relay run --config /etc/otlp-relay/console.yaml
# With the seed app: docker-compose.yml and docs/MIGRATION.md.
#
# Reads /etc/otlp-relay/relay.yaml (config/docker.yaml: Honeycomb, X-Ray, Rollbar, CloudWatch Logs, the
# X-Ray daemon drop-in; keys and AWS credentials from the environment). Mount your own file there to
# change it. /etc/otlp-relay/console.yaml (config/docker-console.yaml) needs no credentials at all.
#
# Slim (Debian, glibc) rather than Alpine: the build stage installs the `node` devDependency, whose
# install script fetches a glibc Node binary (the pinned Node that `npm run build` uses everywhere).

ARG NODE_IMAGE=node:24-slim

# ---- build: every dependency (TypeScript, the pinned Node), then tsc → dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: the base image's Node 24, production dependencies and the built output only
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    OTLP_RELAY_HEALTHCHECK_URL=http://127.0.0.1:13133/healthz
WORKDIR /app
# No dependency needs an install script to work (protobufjs's only checks its CLI's version), so none runs.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# dist/otlp/schema.js loads ../../proto, dist/version.js reads ../package.json, dist/cli.js's default is ../config/local.yaml.
COPY --from=build /src/dist ./dist
COPY proto ./proto
COPY config ./config
COPY config/docker.yaml /etc/otlp-relay/relay.yaml
COPY config/docker-console.yaml /etc/otlp-relay/console.yaml
# The only writable place: for a `file` exporter's path or a disk queue's dir (mount a volume here to keep them).
RUN mkdir -p /var/lib/otlp-relay && chown 1000:1000 /var/lib/otlp-relay

# The base image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

# OTLP/gRPC, OTLP/HTTP, the X-Ray daemon drop-in (UDP segments, TCP sampling), the admin endpoint.
EXPOSE 4317 4318 2000/udp 2000/tcp 13133

# /healthz answers 200 while the relay runs; node itself asks (the slim image has no curl or wget).
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.OTLP_RELAY_HEALTHCHECK_URL || 'http://127.0.0.1:13133/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Node runs as PID 1 without an init (tini, --init): the relay handles SIGTERM and SIGINT itself (stop
# receiving, drain the queues within service.shutdown_timeout, exit 0; a second signal exits at once) and
# SIGHUP (reload), and it starts no child processes, so there are no zombies to reap. Give `docker stop`
# a grace period longer than shutdown_timeout (docker-compose.yml: stop_grace_period: 15s).
STOPSIGNAL SIGTERM
# A 2 MiB young generation (V8's default grows to 16 MiB): request bodies die young, and collecting them
# sooner keeps ~15-50 MB less resident at the same CPU (docs/PERFORMANCE.md).
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/main.js"]
CMD ["run", "--config", "/etc/otlp-relay/relay.yaml"]
