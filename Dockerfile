# syntax=docker/dockerfile:1
# AI Studio: one image, every process. The command picks the role:
#   docker run IMAGE                      -> `aistudio serve` on 0.0.0.0:8000 (the default)
#   docker run IMAGE worker               -> `aistudio worker` (queue workers, scale-out)
#   docker run IMAGE api-key create ...   -> any other `aistudio` command
# FFmpeg, the Piper voice and the OCR / moderation models come inside the Python wheels,
# so the image needs no system packages beyond a slim Debian with Python 3.11.
#
# BASE_IMAGE must be Debian bookworm with Python 3.11 and its venv module (the official
# python:3.11-slim-bookworm is). Offline hosts build one with debootstrap:
# scripts/podman-setup (see the README, "Container image").
ARG BASE_IMAGE=python:3.11-slim-bookworm

# -- deps: a venv with the project's dependencies ----------------------------------------
# From pyproject.toml alone: this (slow, ~1.1 GB) layer is rebuilt only when the dependency
# list changes. The runtime stage starts FROM it rather than copying the venv over, because
# a `COPY --from` of 1.1 GB is checksummed on every build (~20 s even when cached).
FROM ${BASE_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY pyproject.toml /tmp/pyproject.toml
RUN python3 -m venv /opt/aistudio \
 && python3 -c 'import tomllib; d = tomllib.load(open("/tmp/pyproject.toml", "rb")); \
print("\n".join(d["project"]["dependencies"]))' > /tmp/requirements.txt \
 && /opt/aistudio/bin/pip install -r /tmp/requirements.txt \
 && /opt/aistudio/bin/python -m compileall -q /opt/aistudio/lib \
 && rm /tmp/pyproject.toml /tmp/requirements.txt

# -- build: the project's wheel (its build backend stays in this stage) ------------------
FROM deps AS build
COPY pyproject.toml README.md /src/
COPY aistudio /src/aistudio
RUN /opt/aistudio/bin/pip wheel --no-deps --wheel-dir /wheels /src

# -- runtime: the dependencies, the wheel, a non-root user, a data volume ----------------
FROM deps AS runtime
ARG AISTUDIO_UID=10001
RUN groupadd --system --gid "${AISTUDIO_UID}" aistudio \
 && useradd --system --uid "${AISTUDIO_UID}" --gid aistudio --home-dir /home/aistudio \
      --create-home --shell /usr/sbin/nologin aistudio \
 && install -d -o aistudio -g aistudio -m 0750 /data
COPY --from=build /wheels /tmp/wheels
RUN /opt/aistudio/bin/pip install --no-deps --no-index /tmp/wheels/*.whl \
 && /opt/aistudio/bin/python -m compileall -q /opt/aistudio/lib/python3*/site-packages/aistudio \
 && rm -rf /tmp/wheels \
 && /opt/aistudio/bin/aistudio --help >/dev/null
ENV PATH=/opt/aistudio/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AISTUDIO_DATA_DIR=/data \
    AISTUDIO_SERVER__HOST=0.0.0.0 \
    AISTUDIO_SERVER__PORT=8000
USER aistudio
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Liveness only (/health answers while the process serves); /ready also checks the
# database. Workers serve no HTTP: compose turns the check off for them.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import os, sys, urllib.request; port = os.environ.get('AISTUDIO_SERVER__PORT', '8000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["aistudio"]
CMD ["serve"]
