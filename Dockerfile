# syntax=docker/dockerfile:1
# Kabinet's production image: the cabinet (web/) built with Node, the Python package in a
# virtualenv, and a slim final stage running as a user without privileges.
#   docker build -t kabinet .
#   docker run --env-file kabinet.env -p 8000:8000 kabinet                  # saas serve
#   docker run --env-file kabinet.env --no-healthcheck kabinet saas worker  # the worker
#   docker run --env-file kabinet.env --no-healthcheck kabinet saas migrate
# Settings come from the environment (docs/operate.md); none is baked in. Linted by
# tests/test_infra.py (hadolint and the rules of this project).

# ---- 1. the cabinet: static files in web/dist ----
FROM node:20.20.2-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# The build generates its GraphQL types from the API's published schema (../schema.graphql).
COPY schema.graphql /src/schema.graphql
COPY web/ ./
RUN npm run build

# ---- 2. the Python package and its dependencies in /opt/venv ----
FROM python:3.11.14-slim-bookworm AS python
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
RUN python -m venv /opt/venv
# Dependencies first (a layer kept while only the code changes). The package is installed
# in place (editable): Kabinet finds web/dist and mail_templates/ next to its saas/ folder.
COPY pyproject.toml ./
RUN mkdir saas && touch saas/__init__.py \
    && /opt/venv/bin/pip install -e . \
    && rm -rf saas
COPY saas/ saas/
COPY mail_templates/ mail_templates/
RUN /opt/venv/bin/python -m compileall -q saas

# ---- 3. the image that runs ----
FROM python:3.11.14-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SAAS_ENV=production \
    SAAS_LOG_JSON=1 \
    SAAS_DATA_DIR=/var/lib/kabinet
RUN groupadd --system --gid 10001 kabinet \
    && useradd --system --uid 10001 --gid kabinet --home-dir /var/lib/kabinet --create-home --shell /usr/sbin/nologin kabinet
WORKDIR /app
COPY --from=python /opt/venv /opt/venv
COPY --from=python /app /app
COPY --from=web /src/web/dist /app/web/dist
USER 10001:10001
EXPOSE 8000
# Liveness of `saas serve` (docs/operate.md); run the worker and one-off commands with
# --no-healthcheck. The load balancer checks readiness at /readyz.
HEALTHCHECK --interval=15s --timeout=4s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
STOPSIGNAL SIGTERM
CMD ["saas", "serve", "--host", "0.0.0.0", "--port", "8000"]
