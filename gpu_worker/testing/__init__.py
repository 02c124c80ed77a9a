"""The GPU worker's test kit: tiny checkpoints, loopback processes and a stand-in for Vast.ai's
report service. Used by the worker's own tests, the service's tests and the benchmarks; it is not
part of the image (see ../.dockerignore).
"""
