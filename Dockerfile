# The portal image: scripts/start.ts (src/server.ts with the demo data of seeds/ handed in) run by tsx on Node 20.19.2 (Debian bookworm, slim).
# Build: docker build -t ecpa-portal .   (docker compose builds it for you)

# --- dependencies, in a stage with a compiler: pkcs11js builds a native addon (node-gyp) ---
FROM node:20.19.2-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY docker/prune-node-modules.sh ./
# Runtime dependencies only (tsx is one of them); the test and bench tools stay out, and so
# do the embedded PostgreSQL binaries and the font weights no PDF uses (the script says why).
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && sh prune-node-modules.sh node_modules

# --- runtime: same base image, so the addon matches its glibc and Node ABI ---
FROM node:20.19.2-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root . .
# The code stays read-only for the app; only the data folders are writable.
# /var/lib/ecpa takes the shared trust-store volume of docker-compose.yml (the demo PKI
# volume in docker-compose.demo.yml); a new named volume copies this folder's owner, so
# user node can write into it (the platform's own CA under PKI_DIR/platform).
RUN mkdir -p /app/.data /var/lib/ecpa /var/lib/ecpa-uploads && chown node:node /app/.data /var/lib/ecpa /var/lib/ecpa-uploads
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `npx tsx scripts/start.ts` without its two wrapper processes: tsx's loader runs inside the
# Node process itself. Under npx, `docker stop`'s SIGTERM never reaches the server: npm exec
# runs tsx through `sh -c`, exits on its own, and the container goes down with the server
# still running. This way SIGTERM reaches the shutdown handler in src/server.ts.
CMD ["node", "--import", "tsx", "scripts/start.ts"]
