# syntax=docker/dockerfile:1
# The gpu-worker image: gpu-worker/server (the teacher server, onnxruntime-node) with the repository's
# committed models/. Build context: the repository root (gpu-worker.Dockerfile.dockerignore applies).
#
#   CPU (default):
#     docker build -f infra/docker/gpu-worker.Dockerfile -t distillgate/gpu-worker:0.1.0 .
#   CUDA 12 (onnxruntime-node's CUDA provider downloaded at `npm ci`, CUDA 12 + cuDNN 9 libraries
#   from the runtime base image; the GPU driver comes from the node through the NVIDIA runtime):
#     docker build -f infra/docker/gpu-worker.Dockerfile \
#       --build-arg ORT_INSTALL=cuda12 \
#       --build-arg RUNTIME_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 \
#       -t distillgate/gpu-worker:0.1.0-cuda12 .
#
# Untested: no machine here has Docker, a GPU and Node together. The CUDA base tag is an example;
# any image with the CUDA 12 / cuDNN 9 runtime libraries that onnxruntime-node 1.30's CUDA provider
# links against will do (glibc ≥ 2.36: the node binary and native modules come from bookworm).

ARG NODE_IMAGE=node:20-bookworm
ARG RUNTIME_IMAGE=node:20-bookworm-slim

# npm ci in the full node image: python3, make and g++ are there for any native module without a
# prebuilt binary. The whole workspace is installed (tsx, the runtime's TypeScript loader, is a root
# devDependency). The .npmrc sets onnxruntime-node-install=skip; the flag below overrides it.
FROM ${NODE_IMAGE} AS build
ARG ORT_INSTALL=skip
WORKDIR /app
COPY . .
RUN npm ci --onnxruntime-node-install=${ORT_INSTALL} && npm cache clean --force

FROM ${RUNTIME_IMAGE}
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app /app
ENV ORT_DISABLE_TELEMETRY=1
# Any non-root uid works (the files are world-readable); tsx writes its cache under /tmp.
USER 1000:1000
EXPOSE 8000
ENTRYPOINT ["node", "--import", "tsx", "gpu-worker/server/src/main.ts"]
CMD ["--models-dir", "models", "--model", "distillgate-teacher", "--port", "8000", "--host", "0.0.0.0", "--execution-provider", "auto"]
