#!/usr/bin/env bash
# End-to-end test of the docker compose stack, as a user would run it:
#   build the image, start the stack (the one-shot `cert` service makes the cluster certificate, `download` the data,
#   then a coordinator and E2E_WORKERS workers join its Akka cluster), wait for training to progress, kill one worker,
#   check that the coordinator stops counting it as `up` and that training still finishes, ask /api/predict about real
#   test digits, and tear everything down.
# Nothing is left behind: containers, networks and volumes of its compose project are removed on any exit (trap).
#
# Needs: a Docker engine (started here with `dockerd` when none answers and we are root), docker compose v2 or
# docker-compose v1 >= 1.29, curl and python3. The official .NET base images are used when present (or pulled with
# E2E_PULL=1); otherwise deploy/base-images.sh builds local stand-ins under the same names.
#
# Settings (environment):
#   E2E_DATA        host folder holding mnist/ or fashion-mnist/ (default: $CLUSTERMNIST_DATA); empty: the compose
#                   `download` service fetches the data set into a volume (needs internet)
#   E2E_DATASET     mnist (default) or fashion
#   E2E_WORKERS=3   E2E_EPOCHS=2   E2E_PORT=18080   E2E_MIN_ACCURACY=0.5 (on 100 test images)
#   E2E_MODEL       layer sizes for the coordinator (ClusterMnist__Training__Model), e.g. 784-128-10 for a quick run;
#                   default: config/coordinator.json's model
#   E2E_UP_TIMEOUT=600 (download + coordinator healthy)   E2E_PROGRESS_TIMEOUT=300   E2E_TRAIN_TIMEOUT=1800 (seconds)
#   E2E_MIRROR      base URL the download service fetches from instead of the public mirrors (when E2E_DATA is empty)
#   E2E_PULL=1      try `docker pull` of the official base images before building stand-ins
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
workers=${E2E_WORKERS:-3}
epochs=${E2E_EPOCHS:-2}
model=${E2E_MODEL:-}
dataset=${E2E_DATASET:-mnist}
port=${E2E_PORT:-18080}
data=${E2E_DATA-${CLUSTERMNIST_DATA:-}}
min_accuracy=${E2E_MIN_ACCURACY:-0.5}
up_timeout=${E2E_UP_TIMEOUT:-600}
progress_timeout=${E2E_PROGRESS_TIMEOUT:-300}
train_timeout=${E2E_TRAIN_TIMEOUT:-1800}
project="clustermniste2e$$"     # letters and digits only: v1 and v2 name it identically
image=clustermnist:e2e
base_url="http://127.0.0.1:$port"
work=$(mktemp -d "${TMPDIR:-/tmp}/clustermnist-e2e.XXXXXX")
dockerd_pid=""
up_pid=""
stack_started=false
compose=()

log() { echo "e2e: $*"; }
fail() { echo "e2e: FAIL: $*" >&2; exit 1; }
elapsed() { echo "$((SECONDS - $1))s"; }

cleanup() {
  local rc=$?
  trap - EXIT
  trap "" INT TERM   # a second Ctrl-C must not cut the teardown short
  set +e
  # An interrupted `compose up` would go on creating containers behind `down`'s back.
  [[ -n "$up_pid" ]] && { kill "$up_pid"; wait "$up_pid"; } 2>/dev/null
  if $stack_started; then
    if [[ $rc -ne 0 ]]; then
      echo "e2e: ---- last log lines of the stack ----" >&2
      "${compose[@]}" logs --no-color --tail=40 >&2 2>/dev/null || true
    fi
    log "tearing down project $project"
    "${compose[@]}" down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
  fi
  if [[ ${#compose[@]} -gt 0 ]] && docker info >/dev/null 2>&1; then
    # Whatever `down` missed (an interrupted `up`, a container created by hand in the project): remove by label.
    local left
    left=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
    [[ -n "$left" ]] && docker rm -fv $left >/dev/null 2>&1
    left=$(docker volume ls -q --filter "label=com.docker.compose.project=$project")
    [[ -n "$left" ]] && docker volume rm $left >/dev/null 2>&1
    left=$(docker network ls -q --filter "label=com.docker.compose.project=$project")
    [[ -n "$left" ]] && docker network rm $left >/dev/null 2>&1
    left=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
    [[ -n "$left" ]] && echo "e2e: WARNING: containers left behind: $left" >&2
  fi
  if [[ -n "$dockerd_pid" ]]; then
    log "stopping the dockerd this script started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  [[ $rc -eq 0 ]] && log "PASS" || echo "e2e: exit code $rc" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in docker curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (docker: apt-get install docker.io)."
done
[[ "$dataset" == mnist || "$dataset" == fashion ]] || fail "E2E_DATASET must be mnist or fashion, not '$dataset'."

# --- 1. A Docker engine: the one that answers, or one we start and stop again.
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || fail "no Docker engine answers and dockerd is not installed (apt-get install docker.io)."
  [[ $(id -u) -eq 0 ]] || fail "no Docker engine answers, and starting dockerd needs root (or add yourself to the docker group)."
  log "no Docker engine answers; starting dockerd (log: $work/dockerd.log)"
  dockerd > "$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    { kill "$dockerd_pid"; wait "$dockerd_pid"; } 2>/dev/null || true
    dockerd_pid=""
    reason=$(grep -E 'level=(error|fatal)|failed' "$work/dockerd.log" | tail -3 || true)
    [[ -n "$reason" ]] || reason=$(tail -5 "$work/dockerd.log")
    fail "no Docker engine: dockerd could not be started here. Its last words:
$(sed 's/^/    /' <<< "$reason")"
  fi
fi
log "Docker engine $(docker version --format '{{.Server.Version}}' 2>/dev/null)"

# --- 2. Compose, v2 plugin or v1.
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
  v1=$(docker-compose version --short 2>/dev/null || echo 0)
  python3 -c "import sys; v=[int(x) for x in '$v1'.split('.')[:2]]; sys.exit(0 if v >= [1, 29] else 1)" 2>/dev/null ||
    fail "docker-compose $v1 is too old: the stack needs 1.29 or later (depends_on: service_completed_successfully)."
else
  fail "neither 'docker compose' (v2 plugin) nor 'docker-compose' (v1) is installed."
fi
log "compose: ${compose[*]} $("${compose[@]}" version --short 2>/dev/null || echo '(version unknown)')"
compose+=(--project-name "$project" --file "$repo/docker-compose.yml")

# --- 3. Base images: official ones if present (or pullable), else local stand-ins with the same names.
missing=()
for base in mcr.microsoft.com/dotnet/sdk:10.0 mcr.microsoft.com/dotnet/aspnet:10.0; do
  docker image inspect "$base" >/dev/null 2>&1 && continue
  if [[ "${E2E_PULL:-0}" == 1 ]] && timeout 300 docker pull -q "$base" >/dev/null 2>&1; then continue; fi
  missing+=("$base")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "base images absent (${missing[*]}): building local stand-ins with deploy/base-images.sh"
  "$repo/deploy/base-images.sh" || fail "could not build the stand-in base images."
fi

# --- 4. The project's image, built once and shared by all services.
t=$SECONDS
log "building $image"
docker build --force-rm -f "$repo/deploy/Dockerfile" -t "$image" "$repo" > "$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2; fail "docker build failed (above: the last lines of its log)."; }
log "built $image in $(elapsed $t)"

# --- 5. The stack. Every setting is given here, so a user's .env does not change the test.
export CLUSTERMNIST_IMAGE=$image CLUSTERMNIST_BIND=127.0.0.1 CLUSTERMNIST_PORT=$port CLUSTERMNIST_DATASET=$dataset
export CLUSTERMNIST_EPOCHS=$epochs CLUSTERMNIST_MIN_WORKERS=$workers CLUSTERMNIST_WORKER_THREADS=1
# The `cert` service encrypts the project's new cluster certificate with this (64 hex digits: 256 random bits), so
# the test also covers a password that every node must present to load the certificate.
CLUSTERMNIST_CERT_PASSWORD=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export CLUSTERMNIST_CERT_PASSWORD
if [[ -n "$data" ]]; then
  [[ -d "$data" ]] || fail "E2E_DATA=$data is not a folder."
  export CLUSTERMNIST_DATA_SOURCE=$(cd "$data" && pwd) CLUSTERMNIST_DATA_MODE=ro
  log "data: host folder $CLUSTERMNIST_DATA_SOURCE (read-only; the download service only verifies it)"
else
  export CLUSTERMNIST_DATA_SOURCE=mnist-data CLUSTERMNIST_DATA_MODE=rw
  log "data: the download service fetches $dataset into a volume${E2E_MIRROR:+ from $E2E_MIRROR}"
  if [[ -n "${E2E_MIRROR:-}" ]]; then
    printf 'services:\n  download:\n    command: ["download", "--dataset", "%s", "--dir", "/data", "--mirror", "%s"]\n' \
      "$dataset" "$E2E_MIRROR" > "$work/mirror.yml"
    compose+=(--file "$work/mirror.yml")
  fi
fi

# Settings beyond .env's go the way a user would pass them: ClusterMnist__Section__Key in an override file.
if [[ -n "$model" ]]; then
  printf 'services:\n  coordinator:\n    environment:\n      ClusterMnist__Training__Model: "%s"\n' "$model" > "$work/model.yml"
  compose+=(--file "$work/model.yml")
  log "model: $model (ClusterMnist__Training__Model)"
fi

status_field() { # python expression over the /api/status JSON `s`; prints it, or nothing when unreachable
  curl -fsS --max-time 5 "$base_url/api/status" 2>/dev/null |
    python3 -c "import json, sys; s = json.load(sys.stdin); print($1)" 2>/dev/null || true
}
# /api/status lists the coordinator's own node too (role "coordinator"); these look at the workers only.
workers_py="[m for m in s['members'] if m.get('role') == 'worker']"
worker_ids() { docker ps -aq --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=worker"; }
coordinator_id() { "${compose[@]}" ps -q coordinator 2>/dev/null | sed -n 1p; }

t=$SECONDS
log "starting coordinator + $workers workers on $base_url"
stack_started=true
"${compose[@]}" up -d --no-build --scale "worker=$workers" > "$work/up.log" 2>&1 &
up_pid=$!
# `up` returns once the workers are created, which waits for the download and a healthy coordinator.
# Watch for a coordinator that keeps exiting, which would make `up` wait for a health that never comes.
while kill -0 "$up_pid" 2>/dev/null; do
  if (( SECONDS - t > up_timeout )); then
    kill "$up_pid" 2>/dev/null || true
    fail "the stack was not up within ${up_timeout}s (E2E_UP_TIMEOUT)."
  fi
  id=$(coordinator_id)
  if [[ -n "$id" ]] && (( $(docker inspect -f '{{.RestartCount}}' "$id" 2>/dev/null || echo 0) >= 2 )); then
    kill "$up_pid" 2>/dev/null || true
    fail "the coordinator keeps exiting (restarted $(docker inspect -f '{{.RestartCount}}' "$id")x); its last lines:
$(docker logs --tail 10 "$id" 2>&1 | sed 's/^/    /')"
  fi
  sleep 2
done
wait "$up_pid" || { up_pid=""; cat "$work/up.log" >&2; fail "'compose up' failed (above)."; }
up_pid=""
log "stack up in $(elapsed $t): $("${compose[@]}" ps -q worker | wc -l) worker containers"

# --- 6. Training progresses.
t=$SECONDS
until [[ "$(status_field "s['progress']['step'] > 0")" == True ]]; do
  (( SECONDS - t > progress_timeout )) &&
    fail "no training step within ${progress_timeout}s; status: $(status_field "s['progress']['state'], len($workers_py), 'workers'")"
  sleep 2
done
log "training: $(status_field "'epoch %d/%d, step %d, workers: %s' % (s['progress']['epoch'], s['progress']['totalEpochs'], s['progress']['step'], ', '.join(sorted(m['state'] for m in $workers_py)))") after $(elapsed $t)"

# --- 7. One worker dies; training must still finish.
victim=$("${compose[@]}" ps -q worker | sed -n 1p)
[[ -n "$victim" ]] || fail "no worker container to kill."
[[ "$(status_field "s['progress']['state'] == 'training' and s['progress']['step'] < s['progress']['totalEpochs'] * s['progress']['stepsPerEpoch']")" == True ]] ||
  fail "training is not in progress any more, so killing a worker would prove nothing: raise E2E_EPOCHS or use a larger E2E_MODEL."
docker kill "$victim" >/dev/null
log "killed worker container ${victim:0:12} at step $(status_field "s['progress']['step']")"
# A worker's id is its host name (the container's short id) and process id: this is the killed one's entry.
victim_py="[m for m in $workers_py if m['id'].startswith('${victim:0:12}')]"

t=$SECONDS
last=""
while :; do
  state=$(status_field "s['progress']['state']")
  [[ "$state" == finished ]] && break
  [[ "$state" == failed ]] && fail "the coordinator reports training failed."
  (( SECONDS - t > train_timeout )) && fail "training did not finish within ${train_timeout}s (E2E_TRAIN_TIMEOUT); state: ${state:-unreachable}"
  now=$(status_field "'epoch %d/%d, workers: %s' % (s['progress']['epoch'], s['progress']['totalEpochs'], ', '.join(sorted(m['state'] for m in $workers_py)))")
  [[ -n "$now" && "$now" != "$last" ]] && log "  $now" && last=$now
  sleep 3
done
log "training finished $(elapsed $t) after the kill: $(status_field "'test accuracy %.4f after %d epochs' % (s['progress']['history'][-1]['testAccuracy'], len(s['progress']['history']))")"
# The coordinator took the killed worker out: its connection dropped (unreachable: its shards moved), then the split
# brain resolver downed its node (down, then removed), which may come after a short run has finished.
t=$SECONDS
while :; do
  victim_state=$(status_field "' '.join(m['state'] + ' (' + str(m['reason']) + ')' for m in $victim_py)")
  [[ "$victim_state" == down* || "$victim_state" == removed* ]] && break
  (( SECONDS - t > 60 )) &&
    fail "the killed worker ${victim:0:12} is '${victim_state:-not listed}' in /api/status 60 s after the run; expected down or removed. Workers: $(status_field "[(m['id'], m['state']) for m in $workers_py]")"
  sleep 2
done
log "killed worker in /api/status: $victim_state"

# --- 8. The surviving workers exit 0 once the run is over and stay exited (restart: on-failure): a restarted one
# would only be told again that training has finished.
t=$SECONDS
for id in $(worker_ids); do
  [[ $victim == "$id"* ]] && continue
  until [[ "$(docker inspect -f '{{.State.Status}}' "$id")" == exited ]]; do
    (( SECONDS - t > 60 )) && fail "worker ${id:0:12} still runs 60 s after training finished."
    sleep 1
  done
  result=$(docker inspect -f 'exit {{.State.ExitCode}}, restarted {{.RestartCount}}x' "$id")
  [[ "$result" == "exit 0, restarted 0x" ]] || fail "worker ${id:0:12}: $result; expected exit 0 and no restart."
  log "worker ${id:0:12}: $result, $(docker logs --tail 1 "$id" 2>&1)"
done
log "killed worker ${victim:0:12}: $(docker inspect -f '{{.State.Status}}, exit {{.State.ExitCode}}, restarted {{.RestartCount}}x' "$victim")"

# --- 9. Predictions on real test digits, sent as JSON pixels (0-255).
images_file=$([[ $dataset == mnist ]] && echo mnist || echo fashion-mnist)
for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  "${compose[@]}" exec -T coordinator sh -c "cat /data/$images_file/$f.gz 2>/dev/null || gzip -c /data/$images_file/$f" \
    > "$work/$f.gz" || fail "cannot read /data/$images_file/$f(.gz) in the coordinator container."
done
python3 - "$work" <<'PY' || fail "could not build the prediction requests from the test set."
import gzip, json, struct, sys
work = sys.argv[1]
with gzip.open(f"{work}/t10k-images-idx3-ubyte.gz") as f:
    _, count, rows, cols = struct.unpack(">IIII", f.read(16))
    size = rows * cols
    images = [list(f.read(size)) for _ in range(100)]
with gzip.open(f"{work}/t10k-labels-idx1-ubyte.gz") as f:
    f.read(8)
    labels = list(f.read(100))
json.dump({"pixels": images[0]}, open(f"{work}/one.json", "w"))
json.dump({"images": images}, open(f"{work}/batch.json", "w"))
json.dump(labels, open(f"{work}/labels.json", "w"))
PY
curl -fsS --max-time 10 -H 'Content-Type: application/json' --data-binary "@$work/one.json" "$base_url/api/predict" > "$work/one.out" ||
  fail "POST /api/predict with one digit failed."
curl -fsS --max-time 30 -H 'Content-Type: application/json' --data-binary "@$work/batch.json" "$base_url/api/predict" > "$work/batch.out" ||
  fail "POST /api/predict with 100 digits failed."
python3 - "$work" "$min_accuracy" <<'PY' || fail "the predictions are wrong (above)."
import json, sys
work, minimum = sys.argv[1], float(sys.argv[2])
labels = json.load(open(f"{work}/labels.json"))
one = json.load(open(f"{work}/one.out"))
probabilities = one["probabilities"]
assert isinstance(one["digit"], int) and 0 <= one["digit"] < len(probabilities), one
assert abs(sum(probabilities) - 1) < 1e-3, f"probabilities sum to {sum(probabilities)}"
print(f"e2e: one test digit (label {labels[0]}): predicted {one['digit']} "
      f"with p={probabilities[one['digit']]:.3f}, model v{one['modelVersion']} at step {one['step']}")
batch = json.load(open(f"{work}/batch.out"))
assert len(batch) == len(labels), f"{len(batch)} answers for {len(labels)} images"
accuracy = sum(a["digit"] == l for a, l in zip(batch, labels)) / len(labels)
print(f"e2e: 100 test digits in one request: accuracy {accuracy:.2f} (at least {minimum} required)")
sys.exit(0 if accuracy >= minimum else 1)
PY
