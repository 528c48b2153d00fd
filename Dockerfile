# Spool image: one image for servers (`bun src/main.ts`) and workers (`bun workers/main.ts`).
# Two stages: `deps` installs the runtime dependencies only (npm ci --omit=dev) and the pinned Bun
# binary (bun is a devDependency of the repository for tests and tooling; the image takes the same
# version from its npm package, so nothing is downloaded at run time). The runtime stage is
# Debian 12 slim with redis-server for the embedded default, no Node, no compiler, and runs as an
# unprivileged user. Checked by scripts/check-image.ts (docker build cannot run on the dev hosts).
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && BUN_VERSION="$(node -p "require('./package.json').devDependencies.bun")" \
 && npm install --prefix /opt/bun --no-save --no-audit --no-fund "bun@${BUN_VERSION}" \
 && cp "$(find /opt/bun/node_modules/@oven -path '*/bin/bun' -type f | head -n 1)" /usr/local/bin/bun \
 && chmod 0755 /usr/local/bin/bun \
 && /usr/local/bin/bun --version

FROM debian:12-slim
# redis-server: the embedded default starts its own private Redis (REDIS_URL replaces it).
# ca-certificates: TLS to model providers. tini: PID 1 that forwards SIGTERM for the drain.
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 spool \
 && useradd --system --uid 10001 --gid spool --home-dir /app --shell /usr/sbin/nologin spool \
 && mkdir -p /data \
 && chown spool:spool /data \
 && chmod 0700 /data
WORKDIR /app
COPY --from=deps /usr/local/bin/bun /usr/local/bin/bun
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY actors ./actors
COPY workers ./workers
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    DATA_DIR=/data
USER spool:spool
VOLUME ["/data"]
EXPOSE 8787
# Liveness through the process itself (no curl in the image): /healthz answers while it serves.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Kubernetes and compose wait 30 s (SHUTDOWN_GRACE_MS default) plus the 10 s hard deadline.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["bun", "src/main.ts"]
