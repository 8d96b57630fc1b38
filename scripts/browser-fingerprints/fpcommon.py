"""Shared parsing code for the browser fingerprint captures.

Standard library only. tshark extracts the UDP/TCP payloads of a pcap; the
TLS/DTLS records, handshake messages and X.509 certificates are parsed here,
byte by byte, so that every list keeps its wire order.
"""
import base64
import datetime
import hashlib
import subprocess

# ---------------------------------------------------------------- names
EXT_NAMES = {
    0: "server_name", 1: "max_fragment_length", 5: "status_request",
    10: "supported_groups", 11: "ec_point_formats", 13: "signature_algorithms",
    14: "use_srtp", 15: "heartbeat", 16: "application_layer_protocol_negotiation",
    18: "signed_certificate_timestamp", 21: "padding", 22: "encrypt_then_mac",
    23: "extended_master_secret", 27: "compress_certificate",
    28: "record_size_limit", 34: "delegated_credentials", 35: "session_ticket",
    41: "pre_shared_key", 42: "early_data", 43: "supported_versions",
    44: "cookie", 45: "psk_key_exchange_modes", 49: "post_handshake_auth",
    50: "signature_algorithms_cert", 51: "key_share", 54: "connection_id",
    57: "quic_transport_parameters", 17513: "application_settings_old",
    17613: "application_settings", 65037: "encrypted_client_hello",
    65281: "renegotiation_info",
}
GROUP_NAMES = {
    23: "secp256r1", 24: "secp384r1", 25: "secp521r1", 29: "x25519", 30: "x448",
    256: "ffdhe2048", 257: "ffdhe3072", 258: "ffdhe4096", 259: "ffdhe6144",
    260: "ffdhe8192", 4587: "SecP256r1MLKEM768", 4588: "X25519MLKEM768",
    4589: "SecP384r1MLKEM1024", 25497: "X25519Kyber768Draft00",
}
SIGALG_NAMES = {
    0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1", 0x0401: "rsa_pkcs1_sha256",
    0x0403: "ecdsa_secp256r1_sha256", 0x0501: "rsa_pkcs1_sha384",
    0x0503: "ecdsa_secp384r1_sha384", 0x0601: "rsa_pkcs1_sha512",
    0x0603: "ecdsa_secp521r1_sha512", 0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519", 0x0808: "ed448", 0x0809: "rsa_pss_pss_sha256",
    0x080a: "rsa_pss_pss_sha384", 0x080b: "rsa_pss_pss_sha512",
    0x0402: "dsa_sha256", 0x0502: "dsa_sha384", 0x0602: "dsa_sha512",
    0x0202: "dsa_sha1", 0x0904: "mldsa44", 0x0905: "mldsa65", 0x0906: "mldsa87",
}
VERSION_NAMES = {
    0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2",
    0x0304: "TLS 1.3", 0xfeff: "DTLS 1.0", 0xfefd: "DTLS 1.2", 0xfefc: "DTLS 1.3",
}
SRTP_NAMES = {
    1: "SRTP_AES128_CM_HMAC_SHA1_80", 2: "SRTP_AES128_CM_HMAC_SHA1_32",
    7: "SRTP_AEAD_AES_128_GCM", 8: "SRTP_AEAD_AES_256_GCM",
}
SUITE_NAMES = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xc02b: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xc02f: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xc02c: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xc030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xcca9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xcca8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xc009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    0xc00a: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xc013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    0xc014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0x009c: "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009d: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x002f: "TLS_RSA_WITH_AES_128_CBC_SHA", 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x000a: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x00ff: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
}
HS_NAMES = {
    0: "hello_request", 1: "client_hello", 2: "server_hello",
    3: "hello_verify_request", 4: "new_session_ticket", 6: "hello_retry_request",
    8: "encrypted_extensions", 11: "certificate", 12: "server_key_exchange",
    13: "certificate_request", 14: "server_hello_done", 15: "certificate_verify",
    16: "client_key_exchange", 20: "finished",
}
OID_NAMES = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST",
    "2.5.4.10": "O", "2.5.4.11": "OU", "1.2.840.113549.1.9.1": "emailAddress",
    "1.2.840.10045.2.1": "ecPublicKey", "1.2.840.113549.1.1.1": "rsaEncryption",
    "1.3.101.112": "Ed25519", "1.2.840.10045.3.1.7": "prime256v1",
    "1.3.132.0.34": "secp384r1", "1.3.132.0.35": "secp521r1",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256", "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "2.5.29.17": "subjectAltName", "2.5.29.19": "basicConstraints",
    "2.5.29.15": "keyUsage", "2.5.29.37": "extKeyUsage",
    "2.5.29.14": "subjectKeyIdentifier", "2.5.29.35": "authorityKeyIdentifier",
}


def is_grease(v):
    """GREASE values (RFC 8701): 0x?a?a with both bytes equal."""
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def hex4(v):
    return "%04x" % v


def named(table, v):
    if is_grease(v):
        return "GREASE"
    return table.get(v, "unknown")


# ---------------------------------------------------------------- tshark
def tshark_payloads(pcap, transport):
    """Returns the frames of a pcap as dicts: n, time, src, sport, dst,
    dport, payload (bytes). transport is "udp" or "tcp". Decoding is forced
    to DTLS for every UDP port (-d udp.port==1-65535,dtls), as documented;
    the payload bytes are then parsed here."""
    args = ["tshark", "-r", pcap, "-n"]
    if transport == "udp":
        args += ["-d", "udp.port==1-65535,dtls", "-Y", "udp",
                 "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch",
                 "-e", "ip.src", "-e", "ipv6.src", "-e", "udp.srcport",
                 "-e", "ip.dst", "-e", "ipv6.dst", "-e", "udp.dstport",
                 "-e", "udp.payload"]
    else:
        args += ["-Y", "tcp.len > 0", "-o", "tcp.desegment_tcp_streams:FALSE",
                 "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch",
                 "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
                 "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
                 "-e", "tcp.payload"]
    res = subprocess.run(args, capture_output=True, text=True, check=True)
    out = []
    for line in res.stdout.splitlines():
        f = line.split("\t")
        if len(f) < 9 or not f[8]:
            continue
        out.append({
            "n": int(f[0]), "time": float(f[1]),
            "src": f[2] or f[3], "sport": int(f[4]),
            "dst": f[5] or f[6], "dport": int(f[7]),
            "payload": bytes.fromhex(f[8].replace(":", "")),
        })
    return out


def tshark_version():
    res = subprocess.run(["tshark", "--version"], capture_output=True, text=True)
    return res.stdout.splitlines()[0].strip() if res.stdout else None


# ---------------------------------------------------------------- reader
class Reader:
    def __init__(self, data):
        self.d = bytes(data)
        self.i = 0

    def left(self):
        return len(self.d) - self.i

    def u8(self):
        v = self.d[self.i]
        self.i += 1
        return v

    def u16(self):
        v = int.from_bytes(self.d[self.i:self.i + 2], "big")
        self.i += 2
        return v

    def u24(self):
        v = int.from_bytes(self.d[self.i:self.i + 3], "big")
        self.i += 3
        return v

    def take(self, n):
        if n > self.left():
            raise ValueError("short read")
        v = self.d[self.i:self.i + n]
        self.i += n
        return v

    def vec8(self):
        return self.take(self.u8())

    def vec16(self):
        return self.take(self.u16())


def u16_list(b):
    return [int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b) - 1, 2)]


# ---------------------------------------------------------------- hellos
def parse_extensions(r):
    exts = []
    if r.left() < 2:
        return exts
    er = Reader(r.vec16())
    while er.left() >= 4:
        t = er.u16()
        body = er.vec16()
        exts.append((t, body))
    return exts


def decode_client_ext(t, body, out):
    """Fills out[...] with the decoded content of a ClientHello extension."""
    r = Reader(body)
    if t == 0:
        names = []
        lr = Reader(r.vec16())
        while lr.left() >= 3:
            typ = lr.u8()
            names.append({"type": typ, "name": lr.vec16().decode("latin-1")})
        out["sni"] = names
    elif t == 10:
        out["supported_groups"] = u16_list(r.vec16())
    elif t == 11:
        out["ec_point_formats"] = list(r.vec8())
    elif t == 13:
        out["signature_algorithms"] = u16_list(r.vec16())
    elif t == 50:
        out["signature_algorithms_cert"] = u16_list(r.vec16())
    elif t == 14:
        profiles = u16_list(r.vec16())
        mki = r.vec8()
        out["use_srtp"] = {"profiles": profiles, "mki_length": len(mki)}
    elif t == 16:
        lr = Reader(r.vec16())
        protos = []
        while lr.left() > 0:
            protos.append(lr.vec8().decode("latin-1"))
        out["alpn"] = protos
    elif t == 43:
        out["supported_versions"] = u16_list(r.vec8())
    elif t == 51:
        lr = Reader(r.vec16())
        shares = []
        while lr.left() >= 4:
            g = lr.u16()
            k = lr.vec16()
            shares.append({"group": g, "key_length": len(k)})
        out["key_share"] = shares
    elif t == 45:
        out["psk_key_exchange_modes"] = list(r.vec8())
    elif t == 27:
        out["compress_certificate"] = u16_list(r.vec8())
    elif t == 28:
        out["record_size_limit"] = r.u16()
    elif t == 21:
        out["padding_length"] = len(body)
    elif t == 65037:
        out["ech"] = {"length": len(body), "type": body[0] if body else None}
    elif t == 65281:
        out["renegotiation_info_length"] = len(body)
    elif t in (17513, 17613):
        lr = Reader(r.vec16())
        protos = []
        while lr.left() > 0:
            protos.append(lr.vec8().decode("latin-1"))
        out["application_settings"] = protos
    elif t == 34:
        out["delegated_credentials"] = u16_list(r.vec16())
    elif t == 5:
        out["status_request_type"] = body[0] if body else None
    elif t == 54:
        out["connection_id_length"] = len(r.vec8())


def parse_client_hello(body, dtls):
    """body: the reassembled ClientHello message body (after the handshake
    header). Returns a dict with every field in wire order."""
    r = Reader(body)
    ch = {}
    ch["handshake_version"] = r.u16()
    rnd = r.take(32)
    ch["random_first4_hex"] = rnd[:4].hex()
    sid = r.vec8()
    ch["session_id_length"] = len(sid)
    if dtls:
        cookie = r.vec8()
        ch["cookie_length"] = len(cookie)
    ch["cipher_suites"] = u16_list(r.vec16())
    ch["compression_methods"] = list(r.vec8())
    exts = parse_extensions(r)
    ch["extensions"] = [t for t, _ in exts]
    ch["extension_lengths"] = [len(b) for _, b in exts]
    for t, b in exts:
        try:
            decode_client_ext(t, b, ch)
        except (ValueError, IndexError):
            ch.setdefault("undecodable_extensions", []).append(t)
    return ch


def parse_server_hello(body, dtls):
    r = Reader(body)
    sh = {}
    sh["handshake_version"] = r.u16()
    rnd = r.take(32)
    sh["random_last8_hex"] = rnd[24:].hex()
    tail = rnd[24:]
    if tail[:7] == b"DOWNGRD":
        sh["downgrade_sentinel"] = "DOWNGRD\\x%02x" % tail[7]
    else:
        sh["downgrade_sentinel"] = None
    hrr = hashlib.sha256(b"HelloRetryRequest").digest()
    sh["is_hello_retry_request"] = rnd == hrr
    sid = r.vec8()
    sh["session_id_length"] = len(sid)
    sh["cipher_suite"] = r.u16()
    sh["compression_method"] = r.u8()
    exts = parse_extensions(r)
    sh["extensions"] = [t for t, _ in exts]
    for t, b in exts:
        br = Reader(b)
        try:
            if t == 43:
                sh["selected_version"] = br.u16()
            elif t == 51:
                g = br.u16()
                sh["key_share"] = {"group": g, "key_length": len(br.vec16()) if br.left() >= 2 else 0}
            elif t == 14:
                sh["use_srtp"] = {"profiles": u16_list(br.vec16()), "mki_length": len(br.vec8())}
            elif t == 11:
                sh["ec_point_formats"] = list(br.vec8())
            elif t == 10:
                sh["supported_groups"] = u16_list(br.vec16())
            elif t == 16:
                lr = Reader(br.vec16())
                sh["alpn"] = lr.vec8().decode("latin-1")
            elif t == 65281:
                sh["renegotiation_info_length"] = len(b)
        except (ValueError, IndexError):
            sh.setdefault("undecodable_extensions", []).append(t)
    v = sh.get("selected_version", sh["handshake_version"])
    sh["negotiated_version"] = v
    sh["negotiated_version_name"] = VERSION_NAMES.get(v, hex4(v))
    return sh


def parse_server_key_exchange(body, version):
    r = Reader(body)
    ske = {}
    ctype = r.u8()
    ske["curve_type"] = ctype
    if ctype == 3:
        ske["named_group"] = r.u16()
        ske["named_group_name"] = named(GROUP_NAMES, ske["named_group"])
        ske["public_key_length"] = len(r.vec8())
        if version in (0x0303, 0xfefd):
            ske["signature_algorithm"] = r.u16()
            ske["signature_algorithm_name"] = named(SIGALG_NAMES, ske["signature_algorithm"])
        ske["signature_length"] = len(r.vec16())
    return ske


def parse_certificate_request(body):
    r = Reader(body)
    cr = {"certificate_types": list(r.vec8())}
    try:
        cr["signature_algorithms"] = u16_list(r.vec16())
        cr["certificate_authorities_length"] = len(r.vec16())
    except ValueError:
        pass
    return cr


def parse_certificate_list(body):
    """TLS/DTLS 1.2 Certificate message: returns the DER certificates."""
    r = Reader(body)
    lr = Reader(r.take(r.u24()))
    certs = []
    while lr.left() >= 3:
        certs.append(lr.take(lr.u24()))
    return certs


def ja4(proto, ch):
    """JA4 of a parsed ClientHello (FoxIO JA4 spec, TLS/DTLS/QUIC).

    a = proto letter ("t" TLS over TCP, "d" DTLS)
        + version: highest non-GREASE supported_versions entry if the
          extension is present, else the handshake version; 0x0304 "13",
          0x0303 "12", 0x0302 "11", 0x0301 "10", 0x0300 "s3", 0xfeff "d1",
          0xfefd "d2", 0xfefc "d3"
        + "d" if a server_name extension is present else "i"
        + number of cipher suites, 2 digits (GREASE not counted, max 99)
        + number of extensions, 2 digits (GREASE not counted, SNI and ALPN
          counted, max 99)
        + first and last character of the first ALPN value, "00" without
          ALPN (if either character is not alphanumeric: first and last hex
          digit of the value's hex form)
    b = first 12 hex digits of sha256 over the non-GREASE cipher suites as
        4-digit lowercase hex, sorted, joined by ","
        ("000000000000" if there are none)
    c = first 12 hex digits of sha256 over the non-GREASE extension types
        without SNI (0000) and ALPN (0010), 4-digit hex, sorted, joined by
        ",", then "_" and the non-GREASE signature_algorithms in wire
        order, 4-digit hex joined by "," (no "_" part when the extension is absent)
        ("000000000000" if there are no extensions left)
    Returns (ja4, ja4_r) where ja4_r has the lists in clear instead of the
    hashes.
    """
    versions = [v for v in ch.get("supported_versions", []) if not is_grease(v)]
    v = max(versions, key=_version_rank) if versions else ch["handshake_version"]
    vmap = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10",
            0x0300: "s3", 0x0002: "s2", 0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3"}
    ver = vmap.get(v, "00")
    sni = "d" if 0 in ch["extensions"] else "i"
    ciphers = [c for c in ch["cipher_suites"] if not is_grease(c)]
    exts = [e for e in ch["extensions"] if not is_grease(e)]
    alpn = "00"
    if ch.get("alpn"):
        first = ch["alpn"][0]
        if first:
            a0, a1 = first[0], first[-1]
            if a0.isalnum() and a1.isalnum() and a0.isascii() and a1.isascii():
                alpn = a0 + a1
            else:
                h = first.encode("latin-1").hex()
                alpn = h[0] + h[-1]
    part_a = "%s%s%s%02d%02d%s" % (proto, ver, sni, min(len(ciphers), 99),
                                    min(len(exts), 99), alpn)
    c_list = ",".join(sorted(hex4(c) for c in ciphers))
    e_list = ",".join(sorted(hex4(e) for e in exts if e not in (0x0000, 0x0010)))
    sigs = ",".join(hex4(s) for s in ch.get("signature_algorithms", []) if not is_grease(s))
    c_input = e_list + ("_" + sigs if "signature_algorithms" in ch else "")

    def h12(s):
        return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"
    part_b = h12(c_list)
    part_c = h12(c_input) if e_list else "000000000000"
    return ("%s_%s_%s" % (part_a, part_b, part_c),
            "%s_%s_%s" % (part_a, c_list, c_input))


def _version_rank(v):
    # DTLS versions count downwards; map everything onto one TLS-like scale.
    return {0xfeff: 0x0302, 0xfefd: 0x0303, 0xfefc: 0x0304}.get(v, v)


# ---------------------------------------------------------------- X.509
def der_read(d, i):
    tag = d[i]
    ln = d[i + 1]
    j = i + 2
    if ln & 0x80:
        n = ln & 0x7f
        ln = int.from_bytes(d[j:j + n], "big")
        j += n
    return tag, d[j:j + ln], j + ln


def der_children(d):
    out = []
    i = 0
    while i < len(d):
        tag, val, i = der_read(d, i)
        out.append((tag, val))
    return out


def der_oid(b):
    first = b[0]
    parts = [first // 40, first % 40] if first < 80 else [2, first - 80]
    v = 0
    for c in b[1:]:
        v = (v << 7) | (c & 0x7f)
        if not c & 0x80:
            parts.append(v)
            v = 0
    return ".".join(str(p) for p in parts)


def der_time(tag, b):
    s = b.decode()
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ
        yy = int(s[:2])
        year = 1900 + yy if yy >= 50 else 2000 + yy
        s = str(year) + s[2:]
    return datetime.datetime.strptime(s[:14], "%Y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc)


def der_name(b):
    parts = []
    for _tag, rdn in der_children(b):
        for _t2, atv in der_children(rdn):
            kids = der_children(atv)
            oid = der_oid(kids[0][1])
            val = kids[1][1].decode("utf-8", "replace")
            parts.append("%s=%s" % (OID_NAMES.get(oid, oid), val))
    return ",".join(parts)


def parse_certificate(der, ref_time=None):
    """Summary of a DER certificate: subject, issuer, validity, serial,
    extensions, signature algorithm, key type."""
    _, cert, _ = der_read(der, 0)
    tbs_tag, tbs, _ = der_read(cert, 0)
    kids = der_children(tbs)
    k = 0
    version = 1
    if kids[0][0] == 0xa0:
        version = der_children(kids[0][1])[0][1][0] + 1
        k = 1
    serial = kids[k][1]
    sigalg = der_oid(der_children(kids[k + 1][1])[0][1])
    issuer = der_name(kids[k + 2][1])
    validity = der_children(kids[k + 3][1])
    nb = der_time(*validity[0])
    na = der_time(*validity[1])
    subject = der_name(kids[k + 4][1])
    spki = der_children(kids[k + 5][1])
    alg = der_children(spki[0][1])
    key_alg = der_oid(alg[0][1])
    key_param = der_oid(alg[1][1]) if len(alg) > 1 and alg[1][0] == 0x06 else None
    exts = []
    for tag, val in kids[k + 6:]:
        if tag == 0xa3:
            for _t, ext in der_children(der_children(val)[0][1]):
                oid = der_oid(der_children(ext)[0][1])
                exts.append(OID_NAMES.get(oid, oid))
    serial_len = len(serial)
    serial_sig = serial.lstrip(b"\x00")
    out = {
        "x509_version": version,
        "subject": subject,
        "issuer": issuer,
        "self_issued": subject == issuer,
        "not_before": nb.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": na.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "validity_seconds": int((na - nb).total_seconds()),
        "validity_days": round((na - nb).total_seconds() / 86400, 3),
        "serial_der_length": serial_len,
        "serial_length": len(serial_sig),
        "serial_hex": serial.hex(),
        "signature_algorithm": OID_NAMES.get(sigalg, sigalg),
        "key_type": OID_NAMES.get(key_alg, key_alg),
        "key_curve": OID_NAMES.get(key_param, key_param) if key_param else None,
        "extensions": exts,
        "der_length": len(der),
        "time_encoding": {0x17: "UTCTime", 0x18: "GeneralizedTime"}.get(validity[0][0]),
    }
    if ref_time is not None:
        out["not_before_minus_capture_seconds"] = int(nb.timestamp() - ref_time)
    return out


def cert_from_b64(s, ref_time=None):
    return parse_certificate(base64.b64decode(s), ref_time)
