# One image for the API and every worker; the command picks the role.
# The web UI is built in its own stage from web/package-lock.json (npm ci) and only its output is kept.
FROM node:22-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build

FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 mam
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mam mam
COPY pipelines pipelines
COPY workers workers
COPY api api
COPY config config
COPY cli cli
COPY app app
COPY --from=web /web/dist web/dist
RUN pip install --no-cache-dir .
ENV MAM_DATA_DIR=/var/lib/mam MAM_HOST=0.0.0.0 MAM_PORT=8000 MAM_WEB_DIR=/app/web/dist
RUN mkdir -p /var/lib/mam && chown mam:mam /var/lib/mam
USER mam
EXPOSE 8000
CMD ["mam", "serve", "--workers", "0"]
