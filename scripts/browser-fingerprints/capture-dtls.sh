#!/bin/bash
# Capture the DTLS handshake of Debian's chromium and firefox-esr doing a
# WebRTC data channel over loopback, and write fixtures:
#   fixtures/fingerprints/dtls-chromium.json, dtls-firefox.json
#   fixtures/fingerprints/pcap/dtls-*.pcap (kept when < 200 KB)
# Run as root. Env: RUNS (same-page runs per browser, default 3),
#   SRV12_RUNS (runs of the "1.2 server flight" case, default 2),
#   OUT (fixture dir), KEEP_WORK=1 (keep the temp dir).
# See README.md beside this file for what is captured and how.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fp_need_tools

RUNS="${RUNS:-3}"
SRV12_RUNS="${SRV12_RUNS:-2}"
OUT="${OUT:-$FP_REPO/fixtures/fingerprints}"
PORT=18080
WORK="$(mktemp -d /tmp/fp-dtls.XXXXXX)"
NS="fpdtls$$"
mkdir -p "$OUT/pcap"

cleanup() {
  fp_ns_delete "$NS" >/dev/null 2>&1 || true
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}
trap cleanup EXIT

# run_case NAME SPEC...   SPEC is one of
#   chromium:QUERY                         Chromium opens dtls.html?QUERY
#   firefox:QUERY                          Firefox (default DTLS prefs)
#   firefox12:QUERY                        Firefox capped at DTLS 1.2
# Waits until every page logged DONE (or 60 s), then tears everything down.
run_case() {
  local name="$1"; shift
  local dir="$WORK/$name"
  mkdir -p "$dir"
  fp_ns_create "$NS"
  ip netns exec "$NS" python3 "$FP_HERE/pageserver.py" "$PORT" "$dir/page.log" >"$dir/server.log" 2>&1 &
  sleep 0.5
  local tdpid
  tdpid="$(fp_tcpdump_start "$NS" "$dir/capture.pcap" "udp and not port 53 and not port 5353")"
  local n=0 spec kind query url
  for spec in "$@"; do
    kind="${spec%%:*}"; query="${spec#*:}"
    url="http://127.0.0.1:$PORT/dtls.html?$query&tag=$name-$n"
    mkdir -p "$dir/b$n"
    case "$kind" in
      chromium)
        fp_launch_chromium "$NS" "$dir/b$n" "$url" \
          --allow-loopback-in-peer-connection \
          --disable-features=WebRtcHideLocalIpsWithMdns \
          --use-fake-device-for-media-stream --use-fake-ui-for-media-stream >/dev/null ;;
      firefox)
        fp_firefox_profile "$dir/b$n/profile"
        fp_launch_firefox "$NS" "$dir/b$n" "$dir/b$n/profile" "$url" >/dev/null ;;
      firefox12)
        fp_firefox_profile "$dir/b$n/profile" 'user_pref("media.peerconnection.dtls.version.max", 771);'
        fp_launch_firefox "$NS" "$dir/b$n" "$dir/b$n/profile" "$url" >/dev/null ;;
      *) fp_die "bad spec $spec" ;;
    esac
    n=$((n + 1))
  done
  if fp_wait_log "$dir/page.log" " DONE " "$n" 60; then
    echo "  $name: data channel up"
  else
    echo "  $name: WARNING no DONE from all pages (see $dir/page.log)" >&2
  fi
  sleep 1
  fp_tcpdump_stop "$tdpid"
  fp_ns_delete "$NS"
  printf '%s\n' "$@" > "$dir/specs.txt"
}

echo "capturing in $WORK"
for i in $(seq "$RUNS"); do
  run_case "chromium-loop-$i" "chromium:mode=loop"
  run_case "firefox-loop-$i" "firefox:mode=loop"
done
# The same-browser handshakes negotiate DTLS 1.3, whose server Certificate is
# encrypted. To see each browser's server flight in clear (and how it answers
# a DTLS-1.2-only client, as pion/Go proxies are), the browser is the offerer
# (DTLS server) and a Firefox capped at DTLS 1.2 is the answerer.
for i in $(seq "$SRV12_RUNS"); do
  run_case "chromium-srv12-$i" "chromium:mode=offer&room=c$i" "firefox12:mode=answer&room=c$i"
  run_case "firefox-srv12-$i" "firefox:mode=offer&room=f$i" "firefox12:mode=answer&room=f$i"
done

VERS="$(fp_browser_versions)"
python3 "$FP_HERE/analyze_dtls.py" --work "$WORK" --out "$OUT" \
  --chromium-version "$(echo "$VERS" | sed -n 1p)" \
  --firefox-version "$(echo "$VERS" | sed -n 2p)"
