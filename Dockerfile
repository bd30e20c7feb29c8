# syntax=docker/dockerfile:1
# One image for every service group: SERVICES= picks what a container runs (see docs/deploy.md).
# NODE_IMAGE is Node 20 LTS on Debian bookworm slim; scripts/build-image.sh builds an equivalent
# base from Debian's packages where no image registry is reachable.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

# Production dependencies only. argon2 loads its prebuilt addon where it can and is compiled
# otherwise (it is, against a Node built by a distribution): the toolchain stays in this stage,
# and node-gyp uses the headers the Node image carries instead of downloading them.
FROM ${NODE_IMAGE} AS server-deps
RUN apt-get update \
	&& apt-get install -y --no-install-recommends python3 make g++ \
	&& rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# build_ca: an optional extra CA bundle for a registry reached through a TLS-inspecting proxy
# (scripts/build-image.sh passes the host's); it is mounted for this step only, never stored.
RUN --mount=type=secret,id=build_ca \
	if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi \
	&& npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The web app, built once and served by the api group from CLIENT_DIST_DIR.
FROM ${NODE_IMAGE} AS client-build
WORKDIR /app/client
COPY client/package.json client/package-lock.json ./
RUN --mount=type=secret,id=build_ca \
	if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi \
	&& npm ci --no-audit --no-fund
COPY client/ ./
# The wire types the app shares with the server (client/src/models imports ../../../contracts).
COPY contracts/ /app/contracts/
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# ffmpeg/ffprobe for the media worker; tini as PID 1 passes SIGTERM on to node, which drains
# (stops taking requests, finishes those in flight, leaves the cluster) and reaps zombies.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ffmpeg tini ca-certificates \
	&& rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
	HOST=0.0.0.0 \
	PORT=3000 \
	HEALTH_PORT=3000 \
	DATA_DIR=/var/lib/etude \
	CLIENT_DIST_DIR=/app/client/dist
WORKDIR /app
COPY --from=server-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json server.ts broker.config.ts moleculer.config.ts ./
COPY contracts ./contracts
COPY lib ./lib
COPY middlewares ./middlewares
COPY migrations ./migrations
COPY mixins ./mixins
COPY services ./services
COPY scripts/migrate.ts scripts/healthcheck.mjs ./scripts/
COPY --from=client-build /app/client/dist ./client/dist
# The node user (uid 1000) comes with the Node image; it owns only its data folder.
RUN mkdir -p "$DATA_DIR" && chown node:node "$DATA_DIR"
USER node
EXPOSE 3000
VOLUME ["/var/lib/etude"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=40s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "server.ts"]
