#!/usr/bin/env python3
"""Turns the captures of capture-dtls.sh into fixtures/fingerprints/dtls-*.json.

Input: --work DIR with one sub-directory per case (capture.pcap, page.log,
specs.txt), named <browser>-loop-<i> (two peer connections of one browser in
one page) or <browser>-srv12-<i> (the browser as offerer = DTLS server, a
Firefox capped at DTLS 1.2 as answerer = DTLS client).
"""
import argparse
import datetime
import glob
import json
import os
import shutil

import fpcommon as fp


# ---------------------------------------------------------------- records
def parse_datagram(p):
    """Splits one UDP payload into DTLS records (RFC 9147 s4 for the 1.3
    unified header). Returns a list of dicts, or None if not DTLS."""
    if not p or not (20 <= p[0] <= 63):
        return None
    recs = []
    i = 0
    while i < len(p):
        b = p[i]
        if 20 <= b <= 25 and i + 13 <= len(p):
            ln = int.from_bytes(p[i + 11:i + 13], "big")
            recs.append({"kind": "plain", "type": b,
                         "version": int.from_bytes(p[i + 1:i + 3], "big"),
                         "epoch": int.from_bytes(p[i + 3:i + 5], "big"),
                         "length": ln, "body": p[i + 13:i + 13 + ln]})
            i += 13 + ln
        elif b & 0xe0 == 0x20:
            j = i + 1
            if b & 0x10:  # connection id present: length unknown here
                recs.append({"kind": "ciphertext13", "length": len(p) - i})
                break
            j += 2 if b & 0x08 else 1
            if b & 0x04:
                ln = int.from_bytes(p[j:j + 2], "big")
                j += 2
            else:
                ln = len(p) - j
            recs.append({"kind": "ciphertext13", "length": ln, "epoch_low_bits": b & 3})
            i = j + ln
        else:
            break
    return recs


def handshake_fragments(rec):
    out = []
    d = rec["body"]
    i = 0
    while i + 12 <= len(d):
        t = d[i]
        total = int.from_bytes(d[i + 1:i + 4], "big")
        seq = int.from_bytes(d[i + 4:i + 6], "big")
        off = int.from_bytes(d[i + 6:i + 9], "big")
        flen = int.from_bytes(d[i + 9:i + 12], "big")
        out.append({"type": t, "total": total, "msg_seq": seq, "offset": off,
                    "frag_len": flen, "data": d[i + 12:i + 12 + flen]})
        i += 12 + flen
    return out


class Session:
    """All DTLS traffic of one capture, with handshake reassembly."""

    def __init__(self, pcap):
        self.frames = []
        for f in fp.tshark_payloads(pcap, "udp"):
            recs = parse_datagram(f["payload"])
            if recs is None:
                continue
            f["ep_src"] = (f["src"], f["sport"])
            f["ep_dst"] = (f["dst"], f["dport"])
            f["records"] = recs
            for r in recs:
                if r["kind"] == "plain" and r["type"] == 22 and r["epoch"] == 0:
                    r["hs"] = handshake_fragments(r)
            self.frames.append(f)
        self.client = None
        for f in self.frames:
            for r in f["records"]:
                for h in r.get("hs", []):
                    if h["type"] == 1 and self.client is None:
                        self.client, self.server = f["ep_src"], f["ep_dst"]
        if self.client is None:
            raise SystemExit("no DTLS ClientHello in " + pcap)
        self.frames = [f for f in self.frames
                       if {f["ep_src"], f["ep_dst"]} == {self.client, self.server}]
        self.t0 = self.frames[0]["time"]

    def messages(self, sender):
        """Reassembled epoch-0 handshake messages of one side, first complete
        copy of each (msg_seq, type), in order of completion, with the frames
        that carried its first transmission."""
        bufs = {}
        done = []
        seen = set()
        for f in self.frames:
            if f["ep_src"] != sender:
                continue
            for r in f["records"]:
                for h in r.get("hs", []):
                    key = (h["msg_seq"], h["type"])
                    if key in seen:
                        continue
                    b = bufs.setdefault(key, {"data": bytearray(h["total"]), "have": set(),
                                              "frames": [], "record_version": r["version"]})
                    b["data"][h["offset"]:h["offset"] + h["frag_len"]] = h["data"]
                    b["have"].update(range(h["offset"], h["offset"] + h["frag_len"]))
                    if f["n"] not in [x["n"] for x in b["frames"]]:
                        b["frames"].append(f)
                    if len(b["have"]) >= h["total"]:
                        seen.add(key)
                        done.append({"type": key[1], "msg_seq": key[0], "body": bytes(b["data"]),
                                     "frames": b["frames"], "record_version": b["record_version"]})
        return done


# ---------------------------------------------------------------- summaries
def hexlist(vals):
    return ["GREASE" if fp.is_grease(v) else fp.hex4(v) for v in vals]


def namelist(table, vals):
    return [fp.named(table, v) for v in vals]


def summarize_client_hello(ch, msg, t0):
    s = {}
    s["record_version"] = fp.hex4(msg["record_version"])
    s["record_version_name"] = fp.VERSION_NAMES.get(msg["record_version"], "unknown")
    s["handshake_version"] = fp.hex4(ch["handshake_version"])
    s["handshake_version_name"] = fp.VERSION_NAMES.get(ch["handshake_version"], "unknown")
    first4 = int(ch["random_first4_hex"], 16)
    s["random_starts_with_gmt_unix_time"] = abs(first4 - t0) < 365 * 86400
    s["session_id_length"] = ch["session_id_length"]
    s["cookie_length"] = ch.get("cookie_length", 0)
    s["cipher_suites"] = hexlist(ch["cipher_suites"])
    s["cipher_suite_names"] = namelist(fp.SUITE_NAMES, ch["cipher_suites"])
    s["compression_methods"] = ch["compression_methods"]
    s["extensions"] = hexlist(ch["extensions"])
    s["extension_names"] = namelist(fp.EXT_NAMES, ch["extensions"])
    s["extensions_sorted"] = sorted(s["extensions"])
    s["extension_lengths"] = ch["extension_lengths"]
    s["supported_groups"] = hexlist(ch.get("supported_groups", []))
    s["supported_group_names"] = namelist(fp.GROUP_NAMES, ch.get("supported_groups", []))
    s["signature_algorithms"] = hexlist(ch.get("signature_algorithms", []))
    s["signature_algorithm_names"] = namelist(fp.SIGALG_NAMES, ch.get("signature_algorithms", []))
    s["supported_versions"] = hexlist(ch.get("supported_versions", []))
    s["supported_version_names"] = [fp.VERSION_NAMES.get(v, "GREASE" if fp.is_grease(v) else "unknown")
                                    for v in ch.get("supported_versions", [])]
    ks = ch.get("key_share", [])
    s["key_share_groups"] = hexlist([k["group"] for k in ks])
    s["key_share_group_names"] = namelist(fp.GROUP_NAMES, [k["group"] for k in ks])
    s["key_share_lengths"] = [k["key_length"] for k in ks]
    srtp = ch.get("use_srtp", {"profiles": [], "mki_length": 0})
    s["use_srtp_profiles"] = hexlist(srtp["profiles"])
    s["use_srtp_profile_names"] = namelist(fp.SRTP_NAMES, srtp["profiles"])
    s["use_srtp_mki_length"] = srtp["mki_length"]
    s["ec_point_formats"] = ch.get("ec_point_formats", [])
    s["alpn_present"] = "alpn" in ch
    s["alpn"] = ch.get("alpn", [])
    s["sni_present"] = 0 in ch["extensions"]
    s["sni"] = [x["name"] for x in ch.get("sni", [])]
    s["psk_key_exchange_modes"] = ch.get("psk_key_exchange_modes", [])
    s["compress_certificate"] = hexlist(ch.get("compress_certificate", []))
    s["record_size_limit"] = ch.get("record_size_limit", 0)
    s["renegotiation_info_present"] = 65281 in ch["extensions"]
    s["extended_master_secret_present"] = 23 in ch["extensions"]
    s["ech_present"] = 65037 in ch["extensions"]
    s["padding_length"] = ch.get("padding_length", 0)
    s["grease_present"] = any(fp.is_grease(v) for v in
                              ch["cipher_suites"] + ch["extensions"] + ch.get("supported_groups", [])
                              + ch.get("supported_versions", []))
    s["hello_length"] = len(msg["body"])
    s["datagram_count"] = len(msg["frames"])
    s["spans_several_datagrams"] = len(msg["frames"]) > 1
    s["datagram_sizes"] = [len(f["payload"]) for f in msg["frames"]]
    s["records_per_datagram"] = [len(f["records"]) for f in msg["frames"]]
    s["ja4"], s["ja4_r"] = fp.ja4("d", ch)
    return s


def server_flight(sess):
    """Server datagrams from the first one with a ServerHello/HVR up to the
    next client datagram."""
    out = []
    started = False
    for f in sess.frames:
        if f["ep_src"] == sess.server:
            hs = [h["type"] for r in f["records"] for h in r.get("hs", [])]
            if 2 in hs or 3 in hs:
                started = True
            if started:
                out.append(f)
        elif started and out and any(h["type"] != 1 for r in f["records"] for h in r.get("hs", [])) \
                or (started and out and any(r["kind"] == "ciphertext13" or r.get("epoch", 0) > 0 for r in f["records"])):
            break
    return out


def summarize_server(sess):
    msgs = sess.messages(sess.server)
    s = {}
    s["hello_verify_request"] = any(m["type"] == 3 for m in msgs)
    sh_msg = next(m for m in msgs if m["type"] == 2)
    sh = fp.parse_server_hello(sh_msg["body"], True)
    s["hello_retry_request"] = sh["is_hello_retry_request"]
    s["server_hello_record_version"] = fp.hex4(sh_msg["record_version"])
    s["server_hello_record_version_name"] = fp.VERSION_NAMES.get(sh_msg["record_version"], "unknown")
    s["server_hello_handshake_version"] = fp.hex4(sh["handshake_version"])
    s["random_last8_hex"] = sh["random_last8_hex"]
    s["downgrade_sentinel"] = sh["downgrade_sentinel"] or "none"
    s["session_id_length"] = sh["session_id_length"]
    s["cipher_suite"] = fp.hex4(sh["cipher_suite"])
    s["cipher_suite_name"] = fp.SUITE_NAMES.get(sh["cipher_suite"], "unknown")
    s["compression_method"] = sh["compression_method"]
    s["extensions"] = hexlist(sh["extensions"])
    s["extension_names"] = namelist(fp.EXT_NAMES, sh["extensions"])
    s["negotiated_version"] = fp.hex4(sh["negotiated_version"])
    s["negotiated_version_name"] = sh["negotiated_version_name"]
    s["key_share_group"] = fp.hex4(sh["key_share"]["group"]) if "key_share" in sh else "none"
    s["key_share_group_name"] = fp.named(fp.GROUP_NAMES, sh["key_share"]["group"]) if "key_share" in sh else "none"
    s["key_share_length"] = sh["key_share"]["key_length"] if "key_share" in sh else 0
    s["use_srtp_profile"] = hexlist(sh.get("use_srtp", {"profiles": []})["profiles"])
    s["ec_point_formats"] = sh.get("ec_point_formats", [])
    s["supported_groups_in_server_hello"] = "supported_groups" in sh
    s["alpn"] = sh.get("alpn", "")
    flight = server_flight(sess)
    s["plaintext_handshake_messages"] = []
    s["encrypted_records"] = 0
    for f in flight:
        for r in f["records"]:
            if r["kind"] == "ciphertext13":
                s["encrypted_records"] += 1
            elif r.get("epoch", 0) > 0:
                s["encrypted_records"] += 1
            for h in r.get("hs", []):
                name = fp.HS_NAMES.get(h["type"], str(h["type"]))
                if not s["plaintext_handshake_messages"] or s["plaintext_handshake_messages"][-1] != name:
                    s["plaintext_handshake_messages"].append(name)
    s["flight_datagram_sizes"] = [len(f["payload"]) for f in flight]
    s["flight_records_per_datagram"] = [len(f["records"]) for f in flight]
    cert = next((m for m in msgs if m["type"] == 11), None)
    if cert is not None:
        ders = fp.parse_certificate_list(cert["body"])
        s["certificate_chain_length"] = len(ders)
        s["certificate"] = fp.parse_certificate(ders[0], sess.t0)
    ske = next((m for m in msgs if m["type"] == 12), None)
    if ske is not None:
        s["server_key_exchange"] = fp.parse_server_key_exchange(ske["body"], sh["negotiated_version"])
    cr = next((m for m in msgs if m["type"] == 13), None)
    if cr is not None and sh["negotiated_version"] in (0xfefd, 0xfeff):
        c = fp.parse_certificate_request(cr["body"])
        c["signature_algorithms"] = hexlist(c.get("signature_algorithms", []))
        s["certificate_request"] = c
    return s


# ---------------------------------------------------------------- page log
def page_log(path):
    out = {"stats": [], "ua": "", "sdp": []}
    if not os.path.exists(path):
        return out
    for line in open(path):
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) < 3:
            continue
        kind, rest = parts[1], parts[2]
        if kind == "UA" and not out["ua"]:
            out["ua"] = rest
        elif kind == "STATS":
            out["stats"].append(json.loads(rest))
        elif kind == "SDP":
            out["sdp"].append(json.loads(rest))
    return out


def stats_info(log, t0):
    """From getStats: negotiated DTLS version/cipher and, where the browser
    reports certificate stats (Chromium), both certificates."""
    info = {}
    for entry in log["stats"]:
        who = entry["who"]
        byid = {r["id"]: r for r in entry["stats"]}
        for r in entry["stats"]:
            if r["type"] != "transport":
                continue
            info.setdefault("dtls_version_from_getstats", r.get("tlsVersion", "not reported"))
            info.setdefault("dtls_cipher_from_getstats", r.get("dtlsCipher", "not reported"))
            info.setdefault("srtp_cipher_from_getstats", r.get("srtpCipher", "not reported"))
            lc = byid.get(r.get("localCertificateId", ""))
            if lc and "base64Certificate" in lc:
                role = "server" if who == "offerer" else "client"
                info["certificate_" + role + "_from_getstats"] = fp.cert_from_b64(lc["base64Certificate"], t0)
    return info


# ---------------------------------------------------------------- merging
def merge(runs):
    """runs: list of dicts with equal keys. Returns the first run's values,
    "varies": {field: bool} and "values_per_run" for fields that vary."""
    base = {}
    varies = {}
    per_run = {}
    keys = []
    for r in runs:
        for k in r:
            if k not in keys:
                keys.append(k)
    for k in keys:
        vals = [r.get(k) for r in runs]
        if all(isinstance(v, dict) for v in vals if v is not None) and any(isinstance(v, dict) for v in vals):
            sub = merge([v for v in vals if v is not None])
            base[k] = sub
            continue
        base[k] = vals[0]
        v = any(json.dumps(x, sort_keys=True) != json.dumps(vals[0], sort_keys=True) for x in vals)
        varies[k] = v
        if v:
            per_run[k] = vals
    base["varies"] = varies
    if per_run:
        base["values_per_run"] = per_run
    return base


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--chromium-version", default="")
    ap.add_argument("--firefox-version", default="")
    a = ap.parse_args()
    versions = {"chromium": a.chromium_version, "firefox": a.firefox_version}
    os.makedirs(os.path.join(a.out, "pcap"), exist_ok=True)
    for browser in ("chromium", "firefox"):
        loop_ch, loop_srv, loop_stats, srv12, srv12_ch, pcaps = [], [], [], [], [], []
        ua = ""
        t_first = None
        for d in sorted(glob.glob(os.path.join(a.work, browser + "-*"))):
            name = os.path.basename(d)
            pcap = os.path.join(d, "capture.pcap")
            sess = Session(pcap)
            t_first = t_first or sess.t0
            log = page_log(os.path.join(d, "page.log"))
            ua = ua or log["ua"]
            cmsg = next(m for m in sess.messages(sess.client) if m["type"] == 1)
            ch = summarize_client_hello(fp.parse_client_hello(cmsg["body"], True), cmsg, sess.t0)
            srv = summarize_server(sess)
            if "-loop-" in name:
                loop_ch.append(ch)
                loop_srv.append(srv)
                loop_stats.append(stats_info(log, sess.t0))
            else:
                srv12.append(srv)
                srv12_ch.append(ch)
            if os.path.getsize(pcap) < 200 * 1024:
                dst = "dtls-%s.pcap" % name
                shutil.copyfile(pcap, os.path.join(a.out, "pcap", dst))
                pcaps.append("pcap/" + dst)
            else:
                pcaps.append("(not kept, %d bytes) %s" % (os.path.getsize(pcap), name))
        if not loop_ch:
            raise SystemExit("no captures for " + browser)
        chm = merge(loop_ch)
        fixture = {
            "schema": 1,
            "kind": "dtls",
            "browser": browser,
            "browser_version": versions[browser],
            "user_agent": ua,
            "captured_at": datetime.datetime.fromtimestamp(t_first, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "capture": {
                "decoder": fp.tshark_version(),
                "tshark_args": "-d udp.port==1-65535,dtls",
                "setup": "network namespace with only lo; one page, two RTCPeerConnections "
                         "(offerer a=setup:actpass = DTLS server, answerer a=setup:active = DTLS client), "
                         "data channel, one message",
                "runs_same_browser": len(loop_ch),
                "runs_vs_dtls12_client": len(srv12),
                "vs_dtls12_client_setup": "this browser as offerer (DTLS server) in one page; a Firefox ESR "
                                          "with media.peerconnection.dtls.version.max=771 (DTLS 1.2 only) as "
                                          "answerer (DTLS client) in another page, SDP via the page server",
            },
            "ja4": chm["ja4"],
            "ja4_varies": chm["varies"]["ja4"],
            "ja4_r": chm["ja4_r"],
            "client_hello": chm,
            "server_flight_same_browser": merge(loop_srv),
            "getstats_same_browser": merge(loop_stats),
            "server_flight_vs_dtls12_client": merge(srv12) if srv12 else {},
            "pcaps": pcaps,
        }
        if browser == "firefox" and srv12_ch:
            fixture["client_hello_dtls12_capped"] = merge(srv12_ch)
        if srv12:
            c = fixture["server_flight_vs_dtls12_client"].get("certificate")
            if c:
                fixture["certificate"] = c
        path = os.path.join(a.out, "dtls-%s.json" % browser)
        with open(path, "w") as f:
            json.dump(fixture, f, indent=2)
            f.write("\n")
        print("wrote", path, fixture["ja4"])


if __name__ == "__main__":
    main()
