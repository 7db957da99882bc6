# Shared by infra/hadoop/cluster, infra/postgres/postgres and infra/mlflow/server:
# background daemons with pid files, a polite stop and a readiness wait. Source it; do not run it.

LOCKGATE_REPO=${LOCKGATE_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LOCKGATE_HOME=${LOCKGATE_HOME:-$LOCKGATE_REPO/.lockgate}
CLUSTER_HOME=${LOCKGATE_CLUSTER_HOME:-$LOCKGATE_HOME/cluster}

say() { echo "[$(basename "$0")] $*"; }
die() { echo "[$(basename "$0")] ERROR: $*" >&2; exit 1; }

# pid_alive PIDFILE: the process recorded in PIDFILE is running.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start_daemon NAME PIDFILE LOGFILE CMD...: start CMD in the background, in a session (and
# process group) of its own, unless already running.
start_daemon() {
  local name=$1 pidfile=$2 logfile=$3; shift 3
  if pid_alive "$pidfile"; then say "$name already running (pid $(cat "$pidfile"))"; return 0; fi
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  setsid nohup "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  say "$name started (pid $!, log $logfile)"
}

# stop_daemon NAME PIDFILE [GRACE_SECONDS]: SIGTERM to the daemon's process group (its workers
# too), wait, then SIGKILL what is left.
stop_daemon() {
  local name=$1 pidfile=$2 grace=${3:-30} pid
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; say "$name not running"; return 0; fi
  pid=$(cat "$pidfile")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq "$grace"); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 -- "-$pid" 2>/dev/null; then
    say "$name did not stop in ${grace}s; killing"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "$name stopped"
}

# wait_for DESCRIPTION TIMEOUT_SECONDS CMD...: retry CMD (a quiet check) every second until it succeeds.
wait_for() {
  local what=$1 timeout=$2; shift 2
  for _ in $(seq "$timeout"); do "$@" && return 0; sleep 1; done
  return 1
}

# port_open PORT: something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
