# One image for every Python service of the pipeline (provision, simulator, processor, batch,
# serving's bundle): `docker compose` picks the command. Superset keeps its own image
# (deploy/superset/Dockerfile). Build: docker build -t antenna-pipeline .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Build stage: a virtualenv with the pinned dependencies (constraints.txt), then the project.
# Every dependency ships a manylinux wheel, so no compiler is needed here either.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml constraints.txt ./
# Dependencies first (their own layer: it survives code changes), read from pyproject.toml.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && /opt/venv/bin/pip install --no-compile -r requirements.txt -c constraints.txt
COPY README.md ./
COPY common common
COPY provision provision
COPY simulator simulator
COPY processor processor
COPY batch batch
COPY serving serving
RUN /opt/venv/bin/pip install --no-compile --no-deps -c constraints.txt . \
    && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib
# Bytecode compiled here, once: the runtime user cannot write /opt/venv, so without it every start
# and every healthcheck would compile every import again. devstack/ (the local Kafka and PostgreSQL
# of the tests and the demo) is not installed: .dockerignore keeps it out of the build context.

# Final stage: the slim base, the virtualenv, a non-root user; nothing else.
FROM ${PYTHON_IMAGE}
# /bundle: the dashboards' bundle (mode 600), written by compose's `dashboards` service as the
# Superset image's user (SUPERSET_UID, group 0: group 0 may create files here) so that only
# Superset's set-up can read it; others may traverse the folder, not read the file.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/pipeline pipeline \
    && mkdir -p /data /bundle \
    && chown pipeline:pipeline /data \
    && chown pipeline:0 /bundle \
    && chmod 0775 /bundle
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data \
    METRICS_HOST=0.0.0.0
USER 10001:10001
WORKDIR /home/pipeline
EXPOSE 9108
# The commands: antenna-provision, antenna-simulator, antenna-processor, antenna-batch, antenna-serving.
CMD ["antenna-processor"]
