#!/bin/bash
# Capture the TLS ClientHello of Debian's chromium and firefox-esr fetching
# https://fp.example:8443/ from a local listener (SNI present: the name is
# mapped to 127.0.0.1 with --host-resolver-rules / network.dns.localDomains),
# and write fixtures/fingerprints/tls-chromium.json, tls-firefox.json
# (+ pcap/tls-*.pcap when < 200 KB). Run as root. Env: RUNS (default 3),
# OUT, KEEP_WORK=1. See README.md beside this file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fp_need_tools
command -v openssl >/dev/null || fp_die "missing openssl (throwaway certificate)"

RUNS="${RUNS:-3}"
OUT="${OUT:-$FP_REPO/fixtures/fingerprints}"
PORT=8443
HOST=fp.example
WORK="$(mktemp -d /tmp/fp-tls.XXXXXX)"
NS="fptls$$"
mkdir -p "$OUT/pcap"

cleanup() {
  fp_ns_delete "$NS" >/dev/null 2>&1 || true
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:$HOST" >/dev/null 2>&1

run_case() {
  local name="$1" browser="$2"
  local dir="$WORK/$name"
  mkdir -p "$dir"
  fp_ns_create "$NS"
  ip netns exec "$NS" python3 "$FP_HERE/tlsserver.py" "$PORT" "$WORK/cert.pem" "$WORK/key.pem" "$dir/server.log" >"$dir/server.out" 2>&1 &
  sleep 0.5
  local tdpid
  tdpid="$(fp_tcpdump_start "$NS" "$dir/capture.pcap" "tcp port $PORT")"
  local url="https://$HOST:$PORT/"
  case "$browser" in
    chromium)
      fp_launch_chromium "$NS" "$dir" "$url" \
        "--host-resolver-rules=MAP $HOST 127.0.0.1" --ignore-certificate-errors >/dev/null ;;
    firefox)
      fp_firefox_profile "$dir/profile" \
        "user_pref(\"network.dns.localDomains\", \"$HOST\");" \
        'user_pref("network.trr.mode", 5);' \
        'user_pref("network.proxy.type", 0);'
      fp_launch_firefox "$NS" "$dir" "$dir/profile" "$url" >/dev/null ;;
  esac
  if fp_wait_log "$dir/server.log" "^HS " 1 40; then
    echo "  $name: $(grep '^HS ' "$dir/server.log" | head -1)"
  else
    echo "  $name: WARNING no TLS connection seen" >&2
  fi
  sleep 2
  fp_tcpdump_stop "$tdpid"
  fp_ns_delete "$NS"
}

echo "capturing in $WORK"
for i in $(seq "$RUNS"); do
  run_case "chromium-$i" chromium
  run_case "firefox-$i" firefox
done

VERS="$(fp_browser_versions)"
python3 "$FP_HERE/analyze_tls.py" --work "$WORK" --out "$OUT" --port "$PORT" \
  --chromium-version "$(echo "$VERS" | sed -n 1p)" \
  --firefox-version "$(echo "$VERS" | sed -n 2p)"
