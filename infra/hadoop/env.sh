# Sourced by infra/hadoop/cluster and infra/hadoop/bin/*: where the Hadoop pieces live, and the JVM.
# shellcheck source=../lib/daemon.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../lib/daemon.sh"

HADOOP_INFRA=$LOCKGATE_REPO/infra/hadoop
HADOOP_BASE=$CLUSTER_HOME/hadoop
HADOOP_LIB=$HADOOP_BASE/lib
HADOOP_CONF_DIR=$HADOOP_BASE/conf
HADOOP_DATA=$HADOOP_BASE/data
HADOOP_LOGS=$HADOOP_BASE/logs
HADOOP_PIDS=$HADOOP_BASE/pids
export HADOOP_CONF_DIR

HOST=127.0.0.1
NN_RPC_PORT=8020 NN_HTTP_PORT=9870 DN_PORT=9866 DN_HTTP_PORT=9864 DN_IPC_PORT=9867
RM_PORT=8032 RM_SCHEDULER_PORT=8030 RM_TRACKER_PORT=8031 RM_ADMIN_PORT=8033 RM_HTTP_PORT=8088
NM_PORT=8041 NM_LOCALIZER_PORT=8040 NM_HTTP_PORT=8042
NM_MEMORY_MB=${LOCKGATE_NM_MEMORY_MB:-8192}
NM_VCORES=${LOCKGATE_NM_VCORES:-4}

# Hadoop 3.5 runs on Java 17; prefer it over a newer default JDK.
if [ -z "${JAVA_HOME:-}" ]; then
  for candidate in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/temurin-17-jdk-amd64; do
    [ -x "$candidate/bin/java" ] && { JAVA_HOME=$candidate; break; }
  done
fi
if [ -z "${JAVA_HOME:-}" ] && command -v java >/dev/null; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] || die "no Java found; install openjdk-17-jdk-headless"
export JAVA_HOME
JAVA=$JAVA_HOME/bin/java

# What Hadoop's own launcher scripts add on JDK 17 (reflection into java.base).
JAVA17_OPTS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.regex=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.security.x509=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED --add-opens=java.base/sun.net.dns=ALL-UNNAMED
  --add-opens=java.base/sun.net.util=ALL-UNNAMED -Djava.net.preferIPv4Stack=true
)

# The embedded cluster's JVMs (its daemons and the CLI shims) on a host of a few cores: C1 only
# and one GC thread. Short-lived JVMs spend more CPU in C2 than they save (Spark's, measured:
# 15 s -> 8 s for an empty job); the daemons mostly wait. A production cluster keeps the defaults.
SMALL_HOST_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)

hadoop_classpath() { echo "$HADOOP_CONF_DIR:$HADOOP_LIB/*"; }

# hadoop_java LOGGER CLASS ARGS...: run a Hadoop main class in the foreground (the CLI shims).
hadoop_java() {
  local logger=$1; shift
  exec "$JAVA" -Xmx256m "${JAVA17_OPTS[@]}" "${SMALL_HOST_OPTS[@]}" -Dhadoop.log.dir="$HADOOP_LOGS" \
    -Dhadoop.root.logger="$logger" -Dlog4j.configuration=file:"$HADOOP_CONF_DIR/log4j.properties" \
    -cp "$(hadoop_classpath)" "$@"
}
