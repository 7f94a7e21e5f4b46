# syntax=docker/dockerfile:1
# The server, with the web app it serves at /, as built JavaScript on Node 24 LTS.
#   docker build -t skillbytes .
#   docker run -p 3000:3000 -e JWT_SECRET="$(openssl rand -base64 32)" \
#     -e MFA_ENCRYPTION_KEY="$(openssl rand -base64 32)" -v skillbytes-data:/data skillbytes
# apps/server/test/image.test.ts runs this file's build commands, CMD and HEALTHCHECK without Docker,
# and apps/server/test/docker-files.test.ts lints it: change them together.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV CI=true TURBO_TELEMETRY_DISABLED=1
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# The pnpm that package.json pins, from npm: corepack cannot verify the signatures of every release.
RUN npm install --global --no-audit --no-fund "pnpm@$(node -p "require('./package.json').packageManager.split('@')[1]")"
# Every package the lockfile names, into pnpm's store: this layer is reused until the lockfile changes.
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
RUN pnpm exec turbo run build --filter=@skillbytes/server... --filter=@skillbytes/web
# The server and its production dependencies alone; the workspace packages come as their `files`
# (dist/, and db's migrations and starter challenges), without sources or tests.
RUN pnpm --filter=@skillbytes/server deploy --prod --legacy /deploy/server

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data WEB_DIST=/app/web
WORKDIR /app
COPY --from=build /deploy/server ./
COPY --from=build /src/apps/web/dist ./web
# The embedded database and the lock on it live in DATA_DIR (unused with DATABASE_URL).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Plain node as PID 1: it gets SIGTERM from `docker stop` and shuts down gracefully (src/main.ts).
CMD ["node", "--conditions=skillbytes-built", "dist/main.js"]
