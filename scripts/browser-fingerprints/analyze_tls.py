#!/usr/bin/env python3
"""Turns the captures of capture-tls.sh into fixtures/fingerprints/tls-*.json.

For each <browser>-<i> directory: the first TCP connection to the listener
port, the client's bytes in order, TLS records until the ClientHello is
complete; then the same field set as the DTLS ClientHello (see
analyze_dtls.summarize_client_hello) plus TLS-only fields.
"""
import argparse
import datetime
import glob
import json
import os
import shutil

import fpcommon as fp
from analyze_dtls import merge, summarize_client_hello


def first_client_hello(pcap, port):
    frames = [f for f in fp.tshark_payloads(pcap, "tcp") if f["dport"] == port]
    if not frames:
        raise SystemExit("no client data in " + pcap)
    first = (frames[0]["src"], frames[0]["sport"])
    segs = [f for f in frames if (f["src"], f["sport"]) == first]
    data = b""
    used = []
    hs = b""
    rec_lens = []
    rec_version = None
    for f in segs:
        data += f["payload"]
        used.append(f)
        # parse complete records so far
        i = 0
        hs = b""
        rec_lens = []
        while i + 5 <= len(data):
            ln = int.from_bytes(data[i + 3:i + 5], "big")
            if i + 5 + ln > len(data):
                break
            if data[i] == 22:
                rec_version = rec_version or int.from_bytes(data[i + 1:i + 3], "big")
                hs += data[i + 5:i + 5 + ln]
                rec_lens.append(ln)
            i += 5 + ln
        if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
            break
    if not hs or hs[0] != 1:
        raise SystemExit("no ClientHello in " + pcap)
    body = hs[4:4 + int.from_bytes(hs[1:4], "big")]
    msg = {"record_version": rec_version, "body": body,
           "frames": [dict(f, records=[None]) for f in used]}
    return msg, rec_lens, segs[0]["time"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--port", type=int, default=8443)
    ap.add_argument("--chromium-version", default="")
    ap.add_argument("--firefox-version", default="")
    a = ap.parse_args()
    versions = {"chromium": a.chromium_version, "firefox": a.firefox_version}
    os.makedirs(os.path.join(a.out, "pcap"), exist_ok=True)
    for browser in ("chromium", "firefox"):
        runs, pcaps, t_first = [], [], None
        for d in sorted(glob.glob(os.path.join(a.work, browser + "-*"))):
            name = os.path.basename(d)
            pcap = os.path.join(d, "capture.pcap")
            msg, rec_lens, t0 = first_client_hello(pcap, a.port)
            t_first = t_first or t0
            ch = fp.parse_client_hello(msg["body"], False)
            s = summarize_client_hello(ch, msg, t0)
            # TLS over TCP: segments instead of datagrams, and the JA4 "t".
            for k in ("datagram_count", "spans_several_datagrams", "datagram_sizes",
                      "records_per_datagram", "cookie_length"):
                s.pop(k, None)
            s["ja4"], s["ja4_r"] = fp.ja4("t", ch)
            s["tcp_segment_sizes"] = [len(f["payload"]) for f in msg["frames"]]
            s["record_lengths"] = rec_lens
            s["record_count"] = len(rec_lens)
            s["grease_in"] = [k for k, vals in (
                ("cipher_suites", ch["cipher_suites"]), ("extensions", ch["extensions"]),
                ("supported_groups", ch.get("supported_groups", [])),
                ("supported_versions", ch.get("supported_versions", [])),
                ("key_share", [x["group"] for x in ch.get("key_share", [])]))
                if any(fp.is_grease(v) for v in vals)]
            s["ech_length"] = ch.get("ech", {}).get("length", 0)
            s["application_settings"] = ch.get("application_settings", [])
            s["signature_algorithms_cert"] = [fp.hex4(v) for v in ch.get("signature_algorithms_cert", [])]
            s["delegated_credentials"] = [fp.hex4(v) for v in ch.get("delegated_credentials", [])]
            s["status_request_present"] = 5 in ch["extensions"]
            s["sct_present"] = 18 in ch["extensions"]
            s["session_ticket_present"] = 35 in ch["extensions"]
            runs.append(s)
            if os.path.getsize(pcap) < 200 * 1024:
                dst = "tls-%s.pcap" % name
                shutil.copyfile(pcap, os.path.join(a.out, "pcap", dst))
                pcaps.append("pcap/" + dst)
        if not runs:
            raise SystemExit("no captures for " + browser)
        chm = merge(runs)
        fixture = {
            "schema": 1,
            "kind": "tls",
            "browser": browser,
            "browser_version": versions[browser],
            "captured_at": datetime.datetime.fromtimestamp(t_first, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "capture": {
                "decoder": fp.tshark_version(),
                "setup": "network namespace with only lo; the browser opens https://fp.example:%d/ "
                         "(fp.example mapped to 127.0.0.1/::1) served by a python ssl listener with a "
                         "throwaway self-signed certificate; first ClientHello of the first connection" % a.port,
                "runs": len(runs),
            },
            "ja4": chm["ja4"],
            "ja4_varies": chm["varies"]["ja4"],
            "ja4_r": chm["ja4_r"],
            "client_hello": chm,
            "pcaps": pcaps,
        }
        path = os.path.join(a.out, "tls-%s.json" % browser)
        with open(path, "w") as f:
            json.dump(fixture, f, indent=2)
            f.write("\n")
        print("wrote", path, fixture["ja4"])


if __name__ == "__main__":
    main()
