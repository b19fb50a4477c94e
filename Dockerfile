# syntax=docker/dockerfile:1
# loyaltyhub: the same install as `make run` (exact versions and hashes from the lock; production's lock is
# the development lock without the demo and test tools), in two stages: the build stage makes a virtual
# environment, the runtime stage copies it and runs it as an unprivileged user.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/loyaltyhub
WORKDIR /src
COPY requirements.lock ./
RUN /opt/loyaltyhub/bin/pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/loyaltyhub/bin/pip install --no-deps .

FROM python:3.11-slim AS runtime
# Fonts of rendered offer images (LOYALTYHUB_FONTS_DIR, loyaltyhub/offer_images/fonts.py).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends fonts-dejavu-core fonts-dejavu-extra \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 loyaltyhub \
    && useradd --system --uid 10001 --gid loyaltyhub --home-dir /srv/loyaltyhub --create-home loyaltyhub
COPY --from=build /opt/loyaltyhub /opt/loyaltyhub
ENV PATH=/opt/loyaltyhub/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LOYALTYHUB_ENV=prod \
    LOYALTYHUB_EXPORT_DIR=/srv/loyaltyhub/var/exports \
    LOYALTYHUB_FILES_DIR=/srv/loyaltyhub/var/files \
    LOYALTYHUB_METRICS_DIR=/tmp/loyaltyhub-metrics
WORKDIR /srv/loyaltyhub
USER loyaltyhub
EXPOSE 8000
# Liveness only: load balancers route on /readyz (database, migrations, Redis).
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# Refuses to start without LOYALTYHUB_SECRET_KEY (32 bytes of entropy or more) and LOYALTYHUB_DATABASE_URL pointing
# at PostgreSQL; run `loyaltyhub migrate` once per release before it (compose.yaml's migrate service).
CMD ["loyaltyhub", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
