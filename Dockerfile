# syntax=docker/dockerfile:1
# The eventbook image, run by every pod of the RayService (cluster/kuberay/rayservice.yaml):
# Ray at the version pinned in pyproject.toml on Python 3.11, the project installed, and the built web app.
#
#   docker build -t ghcr.io/eventbook/eventbook:0.1.0 .
#
# tests/cluster/test_image.py checks that the base tag matches the pin and that every COPY source exists.

# ---- 1. The web app (frontend/ → frontend/dist) ------------------------------------------------------------
# The whole build context (filtered by .dockerignore) is copied, so this stage works whether or not the
# repository has a frontend/ yet: without frontend/package.json it yields an empty dist/ and the image serves
# the API only.
FROM node:22-bookworm-slim AS frontend
WORKDIR /src
COPY . .
RUN if [ -f frontend/package.json ]; then \
        cd frontend && npm ci --no-audit --no-fund && npm run build; \
    fi \
    && mkdir -p /src/frontend/dist

# ---- 2. The runtime -------------------------------------------------------------------------------------
FROM rayproject/ray:2.60.0-py311
WORKDIR /home/ray/app

# Dependencies change less often than the code: install them from pyproject.toml first (the base image's Ray
# already satisfies the ray[serve]==2.60.0 pin).
COPY --chown=ray:users pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt

COPY --chown=ray:users domain/ domain/
COPY --chown=ray:users adapters/ adapters/
COPY --chown=ray:users deployments/ deployments/
COPY --chown=ray:users ingress/ ingress/
COPY --chown=ray:users serve_config.yaml ./
RUN pip install --no-cache-dir --no-deps . && rm -rf build ./*.egg-info

COPY --from=frontend --chown=ray:users /src/frontend/dist/ /home/ray/app/frontend/dist/

# The proxy callback replaces an insane X-Request-ID before Serve echoes it (ingress/http_limits.py).
ENV EVENTBOOK_FRONTEND_DIST=/home/ray/app/frontend/dist \
    RAY_USAGE_STATS_ENABLED=0 \
    RAY_SERVE_HTTP_PROXY_CALLBACK_IMPORT_PATH=ingress.http_limits:serve_http_middlewares \
    PYTHONUNBUFFERED=1
# 8000 Serve HTTP, 8265 dashboard, 6379 GCS, 10001 Ray client, 8080 Ray metrics
EXPOSE 8000 8265 6379 10001 8080
# KubeRay supplies the command (`ray start …`); locally: docker run -p 8000:8000 IMAGE serve run serve_config.yaml
CMD ["serve", "run", "serve_config.yaml"]
