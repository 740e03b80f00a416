# Seatkeeper in a small image: built as a wheel, run as a user without privileges.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot bot
COPY workflows workflows
COPY store store
COPY connectors connectors
COPY messages messages
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && pip wheel --no-cache-dir --wheel-dir /wheels /wheels/seatkeeper-*.whl

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 seatkeeper \
    && mkdir /data /config \
    && chown seatkeeper /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
USER seatkeeper
WORKDIR /data
ENV SEATKEEPER_CONFIG=/config/seatkeeper.yml \
    SEATKEEPER_DATABASE_URL=sqlite:////data/seatkeeper.db \
    SEATKEEPER_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
ENTRYPOINT ["seatkeeper"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
