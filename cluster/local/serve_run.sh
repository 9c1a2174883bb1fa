#!/usr/bin/env bash
# `make run`: serve run serve_config.yaml in Ray Serve's throughput mode, HAProxy in front (about twice the
# throughput of Serve's Python proxy on 2 cores: loadtests/RESULTS.md). `make run SERVE_MODE=default`: the Python proxy.
#
#   cluster/local/serve_run.sh [throughput|default] [serve run arguments…]   (default arguments: serve_config.yaml)
#
# Throughput mode uses Debian's haproxy (installed here with apt when missing) and gives HAProxy's metrics and stats
# listeners free ports of their own: Ray's defaults (:9101, :8404) are the same for every instance, so a second app
# on the machine (a test run next to `make run`) could not start. They come from cluster/ports.py, outside the
# kernel's ephemeral range, which Ray's own processes draw from while the app starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-throughput}
shift || true
serve=${SERVE_BIN:-.venv/bin/serve}
(($#)) || set -- serve_config.yaml

# Serve's HTTP servers (the proxy, and the replicas' direct ingress in throughput mode) echo X-Request-ID as it came:
# this middleware runs before theirs and drops an id that is not sane, so Serve makes a fresh one (ingress/http_limits.py).
export RAY_SERVE_HTTP_PROXY_CALLBACK_IMPORT_PATH=${RAY_SERVE_HTTP_PROXY_CALLBACK_IMPORT_PATH:-ingress.http_limits:serve_http_middlewares}

# Ray starts its workers at nice 15 (`worker_niceness`), so every replica's Python threads yielded the CPU to
# everything else on the machine, Serve's own C++ threads included. The replicas are the service: nice 0, and the
# one whose work no request waits on (Messaging: the e-mails) lowers itself (adapters/priority.py).
export RAY_worker_niceness=${RAY_worker_niceness:-0}

case $mode in
  default) ;;
  throughput)
    if ! command -v haproxy >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy
    fi
    free_port() { python3 -m cluster.ports; }  # below the ephemeral range: Ray's processes cannot take it meanwhile
    export RAY_SERVE_THROUGHPUT_OPTIMIZED=1 RAY_SERVE_ENABLE_HA_PROXY=1
    export RAY_SERVE_HAPROXY_BINARY_PATH=${RAY_SERVE_HAPROXY_BINARY_PATH:-$(command -v haproxy)}
    export RAY_SERVE_HAPROXY_METRICS_PORT=${RAY_SERVE_HAPROXY_METRICS_PORT:-$(free_port)}
    export RAY_SERVE_HAPROXY_STATS_PORT=${RAY_SERVE_HAPROXY_STATS_PORT:-$(free_port)}
    # HAProxy's backup, Serve's own proxy, listens on a fixed port (8500, gRPC 9500) with SO_REUSEPORT: two apps on
    # one machine both bound it, and the kernel split the backup's connections between them, so a test's register
    # and its login could reach two apps with two databases (a CI run of 2026-12-04: 401 right after a 201).
    export RAY_SERVE_FALLBACK_PROXY_HTTP_PORT=${RAY_SERVE_FALLBACK_PROXY_HTTP_PORT:-$(free_port)}
    export RAY_SERVE_FALLBACK_PROXY_GRPC_PORT=${RAY_SERVE_FALLBACK_PROXY_GRPC_PORT:-$(free_port)}
    # A busy replica is not a dead one. HAProxy's default check (5 s, two misses) took the Api out at an on-sale's
    # opening, when its loop ran seconds late, and sent everything to Serve's fallback proxy, which forwards to the
    # same replica by a dearer path: it never caught up (bench-queue, 2026-12-03). Three misses of 10 s instead; a
    # replica that is gone still drops out at once (refused connections: `observe layer4`), and Serve's controller
    # replaces one that hangs.
    export RAY_SERVE_HAPROXY_HEALTH_CHECK_INTER=${RAY_SERVE_HAPROXY_HEALTH_CHECK_INTER:-10s}
    export RAY_SERVE_HAPROXY_HEALTH_CHECK_FALL=${RAY_SERVE_HAPROXY_HEALTH_CHECK_FALL:-3}
    echo "throughput mode: $("$RAY_SERVE_HAPROXY_BINARY_PATH" -v | head -1)"
    echo "  HAProxy metrics http://127.0.0.1:$RAY_SERVE_HAPROXY_METRICS_PORT/metrics, stats port $RAY_SERVE_HAPROXY_STATS_PORT"
    echo "  its backup, Serve's proxy, on port $RAY_SERVE_FALLBACK_PROXY_HTTP_PORT"
    ;;
  *)
    echo "unknown SERVE_MODE '$mode' (throughput or default)" >&2
    exit 2
    ;;
esac
# The last line of the start-up output: the address to open, once the app answers (serve run keeps the foreground).
config=$1
port=$("${serve%/*}/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["http_options"]["port"])' "$config" 2>/dev/null || echo 8000)
(
  for _ in $(seq 1 600); do
    if "${serve%/*}/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "http://127.0.0.1:$port/health" 2>/dev/null; then
      echo "eventbook is ready: open http://localhost:$port/"
      exit 0
    fi
    sleep 1
  done
) &
exec "$serve" run "$@"
