# One image for every Carecast stage: `docker run IMAGE ingest|detect|notify|api|migrate|simulate`.
# Build stage: turn the source tree into a wheel (package data — SQL, templates, schemas — included).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

# Runtime stage: the wheel and its dependencies (psycopg[binary] brings its own libpq), run as a non-root user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin carecast \
 && mkdir /app && chown carecast:carecast /app
WORKDIR /app
USER carecast
# Logs as JSON lines on stdout (no terminal in a container); override with CARECAST_LOG__FORMAT.
ENV CARECAST_LOG__FORMAT=json
EXPOSE 8000
ENTRYPOINT ["carecast"]
CMD ["--help"]
