#!/usr/bin/env bash
# `make monitor`: a real Prometheus (Debian's package, installed when missing) scraping the local Ray instance of
# `make run`, on a port that clashes with nothing of Ray's or the app's. Runs in the foreground; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PROMETHEUS_PORT:-9091}
DATA=${PROMETHEUS_DATA:-var/prometheus}

if ! command -v prometheus >/dev/null; then
  echo "installing Debian's prometheus (apt-get)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus
fi
mkdir -p "$DATA"
SESSION=$(readlink -f /tmp/ray/session_latest 2>/dev/null || true)
DASHBOARD=$(grep -ho 'Dashboard head http address: \S*' "$SESSION/logs/dashboard.log" 2>/dev/null | tail -1 | awk '{print $NF}' || true)
echo "Prometheus:      http://127.0.0.1:$PORT  (targets: http://127.0.0.1:$PORT/targets)"
echo "Ray dashboard:   http://${DASHBOARD:-127.0.0.1:8265}  (token: ~/.ray/auth_token)"
echo "Ray session:     ${SESSION:-none yet: start \`make run\` first; Prometheus follows it once it is up}"
echo "Grafana boards:  cluster/grafana/*.json (import them with a Prometheus data source at the URL above)"
exec prometheus --config.file=cluster/prometheus/prometheus.yml --web.listen-address="127.0.0.1:$PORT" \
  --storage.tsdb.path="$DATA" --storage.tsdb.retention.time=2d --log.level=warn
