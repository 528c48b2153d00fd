# Spool image: one image for servers (`bun src/main.ts`) and workers (`bun workers/main.ts`).
# The Bun binary comes from the pinned npm package (devDependency `bun`), so the image needs only
# Node + npm to build; nothing is downloaded at run time (tokenizer ranks, word vectors and the
# admin page's assets all ship in npm packages or the repository).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    DATA_DIR=/data
EXPOSE 8787
CMD ["./node_modules/.bin/bun", "src/main.ts"]
