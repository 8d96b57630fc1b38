# Shared helpers for capture-dtls.sh and capture-tls.sh (sourced, bash).
# Everything runs inside a network namespace made here, with only `lo`:
# no traffic can leave the machine.

FP_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FP_REPO="$(cd "$FP_HERE/../.." && pwd)"

CHROMIUM_BIN="${CHROMIUM_BIN:-chromium}"
FIREFOX_BIN="${FIREFOX_BIN:-firefox-esr}"

# Flags every Chromium run gets (as the capture rules require).
CHROMIUM_BASE_FLAGS=(--no-sandbox --headless --disable-gpu --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --disable-quic)

fp_die() { echo "error: $*" >&2; exit 1; }

fp_need_tools() {
  [ "$(id -u)" = 0 ] || fp_die "run as root (network namespaces, tcpdump)"
  local t
  for t in ip tcpdump tshark python3 setsid "$CHROMIUM_BIN" "$FIREFOX_BIN"; do
    command -v "$t" >/dev/null 2>&1 || fp_die "missing $t (apt-get install -y chromium firefox-esr tshark tcpdump iproute2)"
  done
}

# fp_ns_create NAME: namespace with only lo up. A default route through lo
# (source 127.0.0.1 / ::1) is added because Firefox's ICE, without it, finds
# no "default address" and gathers no UDP candidate at all; packets to other
# destinations are looped back into this namespace and dropped there.
fp_ns_create() {
  local ns="$1"
  ip netns add "$ns"
  mkdir -p "/etc/netns/$ns"
  echo "nameserver 127.0.0.1" > "/etc/netns/$ns/resolv.conf"
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip route add default dev lo src 127.0.0.1
  ip netns exec "$ns" ip -6 route add default dev lo src ::1 2>/dev/null || true
}

# fp_ns_delete NAME: end the processes started in it (by pid), remove it.
fp_ns_delete() {
  local ns="$1" p i
  for i in 1 2 3 4 5; do
    local pids
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    [ -z "$pids" ] && break
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    sleep 1
  done
  for p in $(ip netns pids "$ns" 2>/dev/null || true); do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "/etc/netns/$ns"
}

# fp_tcpdump_start NS PCAP FILTER: start a capture on lo; echoes its pid.
fp_tcpdump_start() {
  local ns="$1" pcap="$2" filter="$3"
  ip netns exec "$ns" tcpdump -i lo -U -s 0 -w "$pcap" "$filter" >"$pcap.log" 2>&1 &
  local pid=$!
  local i
  for i in $(seq 50); do grep -q "listening on" "$pcap.log" 2>/dev/null && break; sleep 0.1; done
  echo "$pid"
}

fp_tcpdump_stop() {
  local pid="$1"
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# fp_firefox_profile DIR [extra user.js lines...]
fp_firefox_profile() {
  local dir="$1"; shift
  mkdir -p "$dir"
  cat > "$dir/user.js" <<'PREFS'
user_pref("media.peerconnection.ice.loopback", true);
user_pref("media.peerconnection.ice.obfuscate_host_addresses", false);
user_pref("media.navigator.permission.disabled", true);
user_pref("media.navigator.streams.fake", true);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("app.normandy.enabled", false);
user_pref("network.manage-offline-status", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.prefetch-next", false);
user_pref("browser.safebrowsing.update.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:1/");
PREFS
  local l
  for l in "$@"; do echo "$l" >> "$dir/user.js"; done
}

# fp_launch_chromium NS WORKDIR URL [extra flags...]: background; echoes pid.
fp_launch_chromium() {
  local ns="$1" work="$2" url="$3"; shift 3
  mkdir -p "$work/home"
  HOME="$work/home" setsid ip netns exec "$ns" "$CHROMIUM_BIN" "${CHROMIUM_BASE_FLAGS[@]}" \
    --user-data-dir="$work/chromium-profile" "$@" "$url" >"$work/browser.log" 2>&1 &
  echo $!
}

# fp_launch_firefox NS WORKDIR PROFILE URL: background; echoes pid.
fp_launch_firefox() {
  local ns="$1" work="$2" profile="$3" url="$4"
  mkdir -p "$work/home"
  HOME="$work/home" setsid ip netns exec "$ns" "$FIREFOX_BIN" --headless --no-remote \
    --profile "$profile" "$url" >"$work/browser.log" 2>&1 &
  echo $!
}

# fp_wait_log FILE PATTERN COUNT TIMEOUT_S: wait for COUNT lines matching.
fp_wait_log() {
  local f="$1" pat="$2" n="$3" t="$4" i
  for i in $(seq $((t * 5))); do
    if [ -f "$f" ] && [ "$(grep -c -- "$pat" "$f" || true)" -ge "$n" ]; then return 0; fi
    sleep 0.2
  done
  return 1
}

fp_browser_versions() {
  # prints two lines: chromium version, firefox version
  "$CHROMIUM_BIN" --version 2>/dev/null | head -1
  HOME=/tmp "$FIREFOX_BIN" --version 2>/dev/null | head -1
}
