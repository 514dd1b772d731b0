# One image for every Carecast stage: `docker run IMAGE ingest|detect|notify|api|migrate|simulate`.
# Base image pinned by exact version and digest (deploy/README.md, "Pinned versions", says how to move it);
# every Python package comes from the hash-checked lock files made by `make lock`.

# Build stage: turn the source tree into a wheel (package data — SQL, templates, schemas — included), with the
# locked build backend and nothing fetched at build time.
FROM python:3.11.16-slim-trixie@sha256:be1575ed968de893bd54f4c56315ff7c4736ce522c1bca08fd521731aafc0d76 AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements-build.lock ./
RUN pip install --require-hashes --no-deps -r requirements-build.lock
COPY . .
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

# Runtime stage: the locked dependencies (psycopg[binary] brings its own libpq), then the wheel alone, run as a
# non-root user.
FROM python:3.11.16-slim-trixie@sha256:be1575ed968de893bd54f4c56315ff7c4736ce522c1bca08fd521731aafc0d76
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Dependencies first: this layer is rebuilt only when the lock changes, not on every code change.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes --no-deps -r /tmp/requirements.lock && rm /tmp/requirements.lock
COPY --from=build /wheels /wheels
COPY deploy/healthcheck.py /usr/local/bin/carecast-healthcheck
RUN pip install --no-deps /wheels/*.whl && rm -rf /wheels \
 && chmod 0755 /usr/local/bin/carecast-healthcheck \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin carecast \
 && mkdir /app && chown carecast:carecast /app
WORKDIR /app
USER carecast
# Logs are JSON lines on stderr (core/log.py; no terminal in a container, and stdout stays free for a command's
# own output, such as a new API key); Docker collects both streams. Override with CARECAST_LOG__FORMAT.
ENV CARECAST_LOG__FORMAT=json
# Every stage serves something its health check can probe: the API /livez on 8000, ingest, detect and notify
# /metrics on these ports, bound to loopback inside the container unless *_METRICS_HOST opens them to a scraper.
ENV CARECAST_INGEST__METRICS_PORT=9101 CARECAST_DETECTION__METRICS_PORT=9102 CARECAST_NOTIFY__METRICS_PORT=9103
EXPOSE 8000 9101 9102 9103
# What each stage's check means: deploy/healthcheck.py (migrate and --help have nothing to probe: healthy).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["carecast-healthcheck"]
ENTRYPOINT ["carecast"]
CMD ["--help"]
