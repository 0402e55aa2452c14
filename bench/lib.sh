# Shell helpers the benchmark scripts share (bench/run, bench/serial-writer).
# Source it; it defines functions only.

# stop_process PID (or -PGID): SIGTERM, up to 10 s to exit, then SIGKILL; reaps it.
stop_process() {
  local pid=$1
  if [ "${pid#-}" != "$pid" ]; then kill -TERM -- "$pid" 2>/dev/null || true
  else kill -TERM "$pid" 2>/dev/null || true; fi
  for _ in $(seq 1 200); do
    kill -0 -- "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL -- "$pid" 2>/dev/null || true
  wait "${pid#-}" 2>/dev/null || true
}

# wait_health URL SECONDS [PID]: until URL answers 2xx; fails after SECONDS,
# or at once if PID (the server) has exited.
wait_health() {
  local url=$1 deadline=$((SECONDS + $2)) pid=${3:-}
  until curl -fs -o /dev/null --max-time 2 "$url"; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "the server ($pid) exited before answering $url" >&2; return 1
    fi
    ((SECONDS < deadline)) || { echo "no answer from $url after $2 s" >&2; return 1; }
    sleep 0.05
  done
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
