#!/usr/bin/env bash
# Boots a libread-tts GPU worker on a Vast.ai serverless instance: the image's CMD, or the
# template's onstart. It does for this image what Vast's start_server.sh does for theirs
# (vastai.md §3.7): a TLS certificate signed by Vast when USE_SSL=true, the environment the
# PyWorker reads, then the model server and the PyWorker, each started exactly once.
#
# Logs, for the operator: everything also goes to the container's output (the Vast console's
# instance log) and to files in $LOG_DIR:
#   onstart.log       this script
#   model_server.log  the model server's own output (loading, warnings, per-request errors)
#   pyworker.log      the PyWorker (signature checks, benchmark, reports to Vast)
#   model.log         MODEL_LOG: only the ready or failed line the PyWorker acts on
set -euo pipefail

# On Vast.ai the route signature is all that keeps strangers off the GPU: before anything else,
# refuse to start without it (any UNSECURED the PyWorker would not read as false).
unsecured="${UNSECURED:-false}"
case "${unsecured,,}" in
    false | no | n | f | off | 0) ;;
    *)
        if [ -n "${CONTAINER_ID:-}" ]; then
            echo "onstart: refusing to start with UNSECURED=$UNSECURED on Vast.ai (CONTAINER_ID is set):" \
                "it turns the route signature check off" >&2
            exit 1
        fi
        ;;
esac

: "${LOG_DIR:=/var/log/gpu_worker}"
: "${MODEL_LOG:=$LOG_DIR/model.log}"
: "${PORT:=8080}"
: "${WORKER_PORT:=3000}"
: "${USE_SSL:=true}"
: "${REPORT_ADDR:=https://run.vast.ai}"
: "${VAST_CONSOLE_URL:=https://console.vast.ai}"
: "${PYWORKER_DIR:=/workspace/pyworker}"
: "${APP_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# The model server answers only the PyWorker, which sends this token: a fresh one each boot.
if [ -z "${GPU_WORKER_TOKEN:-}" ]; then
    GPU_WORKER_TOKEN=$(openssl rand -hex 32)
fi
export LOG_DIR MODEL_LOG PORT WORKER_PORT USE_SSL REPORT_ADDR GPU_WORKER_TOKEN

mkdir -p "$LOG_DIR" "$PYWORKER_DIR"
exec > >(tee -a "$LOG_DIR/onstart.log") 2>&1

# Tell the autoscaler why this worker cannot serve, then stop; it shows as Error in the console.
fail() {
    echo "onstart: $1" >&2
    local addr
    IFS=',' read -r -a addrs <<< "$REPORT_ADDR"
    for addr in "${addrs[@]}"; do
        curl -sS -m 10 -X POST -H 'Content-Type: application/json' \
            -d "{\"id\": ${CONTAINER_ID:-0}, \"mtoken\": \"${MASTER_TOKEN:-}\", \"error_msg\": \"$1\"}" \
            "${addr%/}/worker_status/" || true
    done
    exit 1
}

# A second start would collide on WORKER_PORT, and Vast then reboots the instance in a loop.
exec 9> /run/gpu_worker.lock
flock -n 9 || { echo "onstart: already running; nothing to do"; exit 0; }

[ -n "${CONTAINER_ID:-}" ] || fail "CONTAINER_ID is not set: this script runs on a Vast.ai instance"
port_var="VAST_TCP_PORT_${WORKER_PORT}"
[ -n "${!port_var:-}" ] || fail "$port_var is not set: the template must expose port $WORKER_PORT"

# A ready line left from the previous boot would mark the worker ready before the model is.
if [ -s "$MODEL_LOG" ]; then
    cat "$MODEL_LOG" >> "$MODEL_LOG.old"
    : > "$MODEL_LOG"
fi

if [ "$USE_SSL" = true ]; then
    cat > /etc/gpu_worker-openssl.cnf <<'EOF'
[req]
default_bits       = 2048
distinguished_name = req_distinguished_name
req_extensions     = v3_req
[req_distinguished_name]
[v3_req]
basicConstraints = CA:FALSE
keyUsage         = nonRepudiation, digitalSignature, keyEncipherment
subjectAltName   = IP:0.0.0.0
EOF
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=pyworker.vast.ai" \
        -keyout /etc/instance.key -out /etc/instance.csr -config /etc/gpu_worker-openssl.cnf \
        || fail "could not create a certificate request"
    delay=2
    for attempt in 1 2 3 4 5; do
        status=$(curl -sS -m 30 -o /etc/instance.crt -w '%{http_code}' -X POST \
            -H 'Content-Type: application/octet-stream' --data-binary @/etc/instance.csr \
            "$VAST_CONSOLE_URL/api/v0/sign_cert/?instance_id=$CONTAINER_ID") || status=000
        [ "$status" -ge 200 ] && [ "$status" -lt 300 ] && break
        echo "onstart: certificate signing attempt $attempt failed (HTTP $status)"
        [ "$attempt" -eq 5 ] && fail "Vast did not sign the TLS certificate (HTTP $status)"
        sleep "$delay"
        delay=$((delay * 2))
    done
fi

cd "$APP_DIR"
echo "onstart: model server on ${TTS_HOST:-127.0.0.1}:$PORT (TTS_MODEL=${TTS_MODEL-}, TTS_PRESET_MODEL=${TTS_PRESET_MODEL-})"
python -m gpu_worker.server > >(tee -a "$LOG_DIR/model_server.log") 2>&1 &
model_server=$!

echo "onstart: PyWorker on port $WORKER_PORT, reporting to $REPORT_ADDR"
# The PyWorker caches its benchmark in .has_benchmark in its working directory: keep it on the
# instance's disk so a restarted worker skips the benchmark.
(cd "$PYWORKER_DIR" && PYTHONPATH="$APP_DIR" exec python -m gpu_worker.worker) \
    > >(tee -a "$LOG_DIR/pyworker.log") 2>&1 &
pyworker=$!

trap 'kill "$model_server" "$pyworker" 2>/dev/null || true' EXIT TERM INT
set +e
wait -n "$model_server" "$pyworker"
status=$?
set -e
if ! kill -0 "$model_server" 2>/dev/null; then
    fail "the model server exited with status $status; see $LOG_DIR/model_server.log"
fi
fail "the PyWorker exited with status $status; see $LOG_DIR/pyworker.log"
