# syntax=docker/dockerfile:1
# One image recipe for every Moodline service and the gateway. Build from the repository root:
#   docker build --build-arg SERVICE=customer -t moodline-customer .
#   docker build --build-arg SERVICE=gateway --build-arg PACKAGE_DIR=gateway -t moodline-gateway .
# The gateway image also holds the built web UI (the `web` stage: Node, `npm ci`, Vite) at
# /app/web/dist (WEB_DIR), served at `/`.
# The Celery worker and beat of a service run from its image (`moodline-<service> worker|beat`,
# or the chart's `celery -A <service>.entrypoints.celery_app:app ...`): tag the same build
# moodline-<service>-celery. The image holds the runtime kit, the contracts and this one
# package; the dev/test kit (embedded servers, supervisord) is never installed.
# Base images are pinned to full version tags. Pin their digests (@sha256:...) where a registry
# is reachable: this repository is written on machines that cannot resolve them.

FROM ghcr.io/astral-sh/uv:0.13.8 AS uv

# The web UI (web/, served by the gateway at `/`): built only for SERVICE=gateway (`npm ci` from
# the committed lock, then `tsc -b && vite build`); every other image gets an empty folder.
FROM node:22.12.0-bookworm-slim AS web
ARG SERVICE
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    if [ "${SERVICE}" = gateway ]; then npm ci --no-audit --no-fund; fi
COPY web/ ./
RUN if [ "${SERVICE}" = gateway ]; then npm run build; else mkdir -p dist; fi

FROM python:3.11.14-slim-bookworm AS build
ARG SERVICE
ARG PACKAGE_DIR=services/${SERVICE}
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY protos protos
COPY services services
COPY gateway gateway
# Installed editable (the CLI finds migrations/ next to src/), pinned by uv.lock; the uv cache
# mount keeps rebuilds from downloading the dependencies again.
RUN --mount=type=cache,target=/root/.cache/uv \
    test -n "${SERVICE}" && uv sync --frozen --no-dev --package "moodline-${SERVICE}"

FROM python:3.11.14-slim-bookworm AS runtime
ARG SERVICE
ARG PACKAGE_DIR=services/${SERVICE}
RUN groupadd --system --gid 10001 moodline \
    && useradd --system --uid 10001 --gid moodline --no-create-home --shell /usr/sbin/nologin moodline
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/libs/kit /app/libs/kit
COPY --from=build /app/protos/gen /app/protos/gen
COPY --from=build /app/${PACKAGE_DIR} /app/${PACKAGE_DIR}
COPY --from=web /web/dist /app/web/dist
ENV PATH=/app/.venv/bin:$PATH \
    WEB_DIR=/app/web/dist \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MOODLINE_SERVICE=${SERVICE}
WORKDIR /app
USER 10001:10001
# gRPC services listen on 50051, the gateway on 8080; metrics on 9464.
EXPOSE 50051 8080 9464
ENTRYPOINT ["/bin/sh", "-c", "exec moodline-${MOODLINE_SERVICE} \"$@\"", "--"]
CMD ["serve"]
