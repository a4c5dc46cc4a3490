#!/usr/bin/env bash
# Real Kafka-protocol brokers for tests and rehearsals: tansu 0.6.0 on loopback.
#
#   scripts/brokers.sh install              install tansu 0.6.0 unless it is already there
#   scripts/brokers.sh start NAME [--memory] [-- TANSU_ARGS...]
#                                           start a broker on a free loopback port; prints
#                                           BROKER_NAME, BROKER_PORT, BROKER_BOOTSTRAP,
#                                           BROKER_DIR, BROKER_PID as shell assignments
#   scripts/brokers.sh restart DIR [--tls|--mtls] [-- TANSU_ARGS...]
#                                           start the broker of DIR again, same port and data;
#                                           --tls serves that port over TLS (a test CA made in
#                                           DIR/tls; prints BROKER_CA), --mtls also requires a
#                                           client certificate (prints BROKER_CLIENT_CERT,
#                                           BROKER_CLIENT_KEY, BROKER_CLIENT_KEY_PASSWORD)
#   scripts/brokers.sh kill DIR             kill -9 the broker of DIR, keep its data
#   scripts/brokers.sh stop DIR             stop the broker of DIR and delete DIR
#
# Storage is SQLite in a fresh temp dir (tansu's memory engine reports a wrong end offset
# after a multi-record batch in 0.6.0); --memory is only for the group-membership cases
# that SQLite cannot show. TLS is served by scripts/tls_proxy.py on the advertised port,
# tansu itself listening on another loopback port: tansu 0.6.0 cannot take both --cert and
# --key (one exclusive clap group). Each broker exits by itself after CUTOVER_BROKER_LIFETIME
# seconds (default 3600), so a killed test run leaves nothing running for long.
set -euo pipefail

TANSU_VERSION=0.6.0
LIFETIME=${CUTOVER_BROKER_LIFETIME:-3600}

die() { echo "brokers.sh: $*" >&2; exit 1; }

tansu_bin() {
  if command -v tansu >/dev/null 2>&1; then command -v tansu
  elif [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tansu" ]; then echo "${CARGO_HOME:-$HOME/.cargo}/bin/tansu"
  else return 1
  fi
}

install() {
  if bin=$(tansu_bin) && "$bin" --version 2>/dev/null | grep -q "tansu $TANSU_VERSION"; then
    return 0
  fi
  echo "brokers.sh: installing tansu $TANSU_VERSION (about 16 minutes, once per machine)" >&2
  cargo install tansu --version "$TANSU_VERSION" --locked --features dynostore,libsql >&2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# launch DIR PORT ENGINE ARGS...: start tansu in DIR and wait until it is ready; with
# DIR/tls_mode set, tansu listens on another port and a TLS proxy serves PORT.
launch() {
  local dir=$1 port=$2 engine=$3; shift 3
  local mode; mode=$(cat "$dir/tls_mode" 2>/dev/null || echo plain)
  local listen=$port
  if [ "$mode" != plain ]; then listen=$(free_port); fi
  local bin; bin=$(tansu_bin) || die "tansu is not installed: run scripts/brokers.sh install"
  local storage
  if [ "$engine" = memory ]; then storage="memory://tansu/"; else storage="sqlite://broker.db"; fi
  : > "$dir/args"
  if [ $# -gt 0 ]; then printf '%s\n' "$@" > "$dir/args"; fi
  echo "$port" > "$dir/port"
  echo "$engine" > "$dir/engine"
  # A restart appends to the same log: only a "ready in" written by this launch counts.
  local seen=0
  if [ -f "$dir/tansu.log" ]; then seen=$(wc -l < "$dir/tansu.log"); fi
  (
    cd "$dir"
    exec timeout --signal=TERM "$LIFETIME" "$bin" \
      --cluster-id "$(cat "$dir/name")" \
      --listener-url "tcp://127.0.0.1:$listen" \
      --advertised-listener-url "tcp://127.0.0.1:$port" \
      --storage-engine "$storage" "$@" >>"$dir/tansu.log" 2>&1
  ) &
  local pid=$!
  echo "$pid" > "$dir/pid"
  for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if awk -v seen="$seen" 'NR > seen && /ready in/ { found = 1 } END { exit !found }' \
         "$dir/tansu.log" 2>/dev/null &&
       (exec 3<>"/dev/tcp/127.0.0.1/$listen") 2>/dev/null; then
      if [ "$mode" = plain ]; then return 0; fi
      launch_proxy "$dir" "$port" "$listen" "$mode"
      return
    fi
    sleep 0.1
  done
  return 1
}

# launch_proxy DIR PORT UPSTREAM MODE: serve PORT over TLS, forwarding to tansu on UPSTREAM.
launch_proxy() {
  local dir=$1 port=$2 upstream=$3 mode=$4
  local tls=$dir/tls
  local client_ca=()
  if [ "$mode" = mtls ]; then client_ca=("$tls/ca.pem"); fi
  : > "$dir/proxy.log"
  timeout --signal=TERM "$LIFETIME" python3 "$(dirname "$0")/tls_proxy.py" \
    "$port" "$upstream" "$tls/server.pem" "$tls/server.key" "${client_ca[@]}" \
    >>"$dir/proxy.log" 2>&1 &
  echo $! > "$dir/proxy.pid"
  for _ in $(seq 1 100); do
    if grep -q "tls proxy ready" "$dir/proxy.log"; then return 0; fi
    kill -0 "$(cat "$dir/proxy.pid")" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/proxy.log" >&2
  return 1
}

# make_certs DIR: a test CA, a server certificate for 127.0.0.1/localhost and a client
# certificate whose key is encrypted (as operators' keystores are).
make_certs() {
  local tls=$1/tls
  [ -f "$tls/server.pem" ] && return 0
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
      -subj "/CN=cutover test CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -out server.pem -days 2 -extfile server.ext 2>/dev/null
    echo "client-key-pass" > client.password
    openssl req -newkey rsa:2048 -keyout client.key -passout file:client.password \
      -out client.csr -subj "/CN=cutover" 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -out client.pem -days 2 2>/dev/null
  ) || die "could not make test certificates in $tls"
}

report() {
  local dir=$1
  echo "BROKER_NAME=$(cat "$dir/name")"
  echo "BROKER_PORT=$(cat "$dir/port")"
  echo "BROKER_BOOTSTRAP=127.0.0.1:$(cat "$dir/port")"
  echo "BROKER_DIR=$dir"
  echo "BROKER_PID=$(cat "$dir/pid")"
  local mode; mode=$(cat "$dir/tls_mode" 2>/dev/null || echo plain)
  if [ "$mode" != plain ]; then echo "BROKER_CA=$dir/tls/ca.pem"; fi
  if [ "$mode" = mtls ]; then
    echo "BROKER_CLIENT_CERT=$dir/tls/client.pem"
    echo "BROKER_CLIENT_KEY=$dir/tls/client.key"
    echo "BROKER_CLIENT_KEY_PASSWORD=$(cat "$dir/tls/client.password")"
  fi
}

start() {
  local name=${1:?usage: start NAME [--memory] [-- TANSU_ARGS...]}; shift
  local engine=sqlite
  if [ "${1:-}" = --memory ]; then engine=memory; shift; fi
  if [ "${1:-}" = -- ]; then shift; fi
  local dir; dir=$(mktemp -d "${TMPDIR:-/tmp}/cutover-broker-$name.XXXXXX")
  echo "$name" > "$dir/name"
  # A port picked free can be taken before tansu binds it (tests start brokers in
  # parallel): try another.
  for _ in 1 2 3 4 5; do
    if launch "$dir" "$(free_port)" "$engine" "$@"; then
      report "$dir"
      return 0
    fi
    kill "$(cat "$dir/pid")" 2>/dev/null || true
  done
  tail -n 20 "$dir/tansu.log" >&2 || true
  die "broker $name did not start (log above, dir $dir)"
}

restart() {
  local dir=${1:?usage: restart DIR [--tls|--mtls] [-- TANSU_ARGS...]}; shift
  [ -f "$dir/port" ] || die "$dir is not a broker dir"
  case "${1:-}" in
    --tls) make_certs "$dir"; echo tls > "$dir/tls_mode"; shift ;;
    --mtls) make_certs "$dir"; echo mtls > "$dir/tls_mode"; shift ;;
  esac
  if [ "${1:-}" = -- ]; then shift; fi
  local args=("$@")
  if [ ${#args[@]} -eq 0 ] && [ -s "$dir/args" ]; then mapfile -t args < "$dir/args"; fi
  stop_process "$dir"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    if launch "$dir" "$(cat "$dir/port")" "$(cat "$dir/engine")" "${args[@]}"; then
      report "$dir"
      return 0
    fi
    sleep 0.5
  done
  tail -n 20 "$dir/tansu.log" >&2 || true
  die "broker in $dir did not restart"
}

stop_process() {
  local dir=$1 signal=${2:-TERM}
  if [ -f "$dir/proxy.pid" ]; then
    local proxy; proxy=$(cat "$dir/proxy.pid")
    kill "-$signal" $(pgrep -P "$proxy" 2>/dev/null || true) "$proxy" 2>/dev/null || true
    rm -f "$dir/proxy.pid"
  fi
  local pid; pid=$(cat "$dir/pid" 2>/dev/null) || return 0
  # The pid is timeout's; its child is tansu.
  local children; children=$(pgrep -P "$pid" 2>/dev/null || true)
  kill "-$signal" $children "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL $children "$pid" 2>/dev/null || true
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  restart) shift; restart "$@" ;;
  kill) stop_process "${2:?usage: kill DIR}" KILL ;;
  stop)
    dir=${2:?usage: stop DIR}
    stop_process "$dir"
    case "$dir" in */cutover-broker-*) rm -rf "$dir" ;; esac ;;
  *) sed -n '2,25p' "$0" >&2; exit 2 ;;
esac
