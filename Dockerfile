# One image, three modes (MALTED_MODE=api | worker | all).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# STORAGE_DRIVER=local in docker-compose.yml: a named volume mounted here starts with this owner.
RUN mkdir -p /var/lib/malted/files && chown node:node /var/lib/malted/files
USER node
EXPOSE 3000 9464
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
