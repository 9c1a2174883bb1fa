#!/usr/bin/env bash
# `make run`: serve run serve_config.yaml. `make run SERVE_MODE=throughput`: Ray Serve's throughput mode with
# HAProxy in front (loadtests/RESULTS.md has the figures of both modes and why the default stays the default).
#
#   cluster/local/serve_run.sh [default|throughput] [serve run arguments…]   (default arguments: serve_config.yaml)
#
# Throughput mode uses Debian's haproxy (installed here with apt when missing) and gives HAProxy's metrics and stats
# listeners free ports of their own: Ray's defaults (:9101, :8404) are the same for every instance, so a second app
# on the machine (a test run next to `make run`) could not start.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-default}
shift || true
serve=${SERVE_BIN:-.venv/bin/serve}
(($#)) || set -- serve_config.yaml

case $mode in
  default) ;;
  throughput)
    if ! command -v haproxy >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy
    fi
    free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }
    export RAY_SERVE_THROUGHPUT_OPTIMIZED=1 RAY_SERVE_ENABLE_HA_PROXY=1
    export RAY_SERVE_HAPROXY_BINARY_PATH=${RAY_SERVE_HAPROXY_BINARY_PATH:-$(command -v haproxy)}
    export RAY_SERVE_HAPROXY_METRICS_PORT=${RAY_SERVE_HAPROXY_METRICS_PORT:-$(free_port)}
    export RAY_SERVE_HAPROXY_STATS_PORT=${RAY_SERVE_HAPROXY_STATS_PORT:-$(free_port)}
    echo "throughput mode: $("$RAY_SERVE_HAPROXY_BINARY_PATH" -v | head -1)"
    echo "  HAProxy metrics http://127.0.0.1:$RAY_SERVE_HAPROXY_METRICS_PORT/metrics, stats port $RAY_SERVE_HAPROXY_STATS_PORT"
    ;;
  *)
    echo "unknown SERVE_MODE '$mode' (default or throughput)" >&2
    exit 2
    ;;
esac
exec "$serve" run "$@"
