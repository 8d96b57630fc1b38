#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/seeds/<target>/ from the protocol
vectors of docs/protocol.md section 11 (and a few neighbours of
them), in each target's input format (see fuzz/README.md).

Run from anywhere: python3 fuzz/seeds/make_seeds.py. Overwrites the seeds.
"""

import base64
import hashlib
import hmac
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def h(text):
    return bytes.fromhex(text.replace(" ", ""))


def write(target, name, data):
    directory = os.path.join(HERE, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def split(payload, lengths=(), flags=0):
    """The SplitInput layout: header byte, chunk lengths, payload."""
    assert len(lengths) < 16 and flags < 16
    return bytes([(flags << 4) | len(lengths)]) + bytes(lengths) + payload


# ---- encapsulation (§11.1, §11.2, §11.5) --------------------------------

KCP_PUSH = h("44 33 22 11 51 00 ff ff e8 03 00 00 00 00 00 00 00 00 00 00 08 00 00 00"
             "02 00 00 00 03 00 00 00")
KCP_ACK = h("44 33 22 11 52 00 fe ff e8 03 00 00 00 00 00 00 01 00 00 00 00 00 00 00")
FIVE = h("85 01 02 03 04 05")

enc = "encapsulation_decode"
write(enc, "five", split(FIVE))
write(enc, "non_minimal", split(h("c0 05 01 02 03 04 05")))
write(enc, "empty_padding", split(h("00") + FIVE))
write(enc, "padding4", split(h("04 aa bb cc dd") + FIVE))
write(enc, "padding4_bytewise", split(h("04 aa bb cc dd") + FIVE, [1]))
write(enc, "prefix_too_long", split(h("c0 80 80 80 00")))
write(enc, "truncated", split(h("85 01 02")))
write(enc, "kcp_push_ack", split(b"\xa0" + KCP_PUSH + b"\x98" + KCP_ACK, [3, 17]))
padding_1500 = h("47 7e") + bytes(1022) + h("43 5a") + bytes(474)
write(enc, "padding1500_then_data", split(padding_1500 + FIVE, [200, 7]))
write(enc, "mtu_packet_limit1400", split(h("ca 78") + bytes(range(256)) * 5 + bytes(120), [], 1))
write(enc, "limit0_empty_packet", split(h("80 80"), [], 3))
write(enc, "three_byte_prefix", split(h("c0 c0 00") + bytes(8192)))

# ---- smux frames (§11.4, §11.5) -----------------------------------------

SYN3 = h("02 00 00 00 03 00 00 00")
FIN3 = h("02 01 00 00 03 00 00 00")
NOP = h("02 03 00 00 00 00 00 00")
PSH3_HELLO = h("02 02 05 00 03 00 00 00 68 65 6c 6c 6f")
UPD3 = h("02 04 08 00 03 00 00 00 05 00 00 00 00 00 10 00")
ALL_FRAMES = SYN3 + PSH3_HELLO + UPD3 + NOP + FIN3

fr = "smux_frames"
write(fr, "vectors", split(ALL_FRAMES))
write(fr, "vectors_split", split(ALL_FRAMES, [3, 5, 1]))
write(fr, "vectors_bytewise", split(ALL_FRAMES, [1]))
write(fr, "bad_version", split(h("01 00 00 00 03 00 00 00")))
write(fr, "syn_with_length", split(h("02 00 01 00 03 00 00 00 00")))
write(fr, "truncated_psh", split(h("02 02 10 00 03 00 00 00 68 65")))
write(fr, "empty_psh", split(h("02 02 00 00 05 00 00 00") + NOP))

# ---- smux session programs ----------------------------------------------
# Op bytes (see Op in smux_session.rs; 16-31 repeat some): 0 feed raw (u8 len, bytes),
# 1 feed raw (u16 len, bytes), 2 feed frame (cmd, sid selector, args;
# PSH: u16 length, u8 literal count, literal bytes; UPD: mode, values),
# 3 pump, 4 read (sid, u16 size), 5 write (sid, u16 len, u8 double),
# 6 open, 7 accept, 8 shutdown (sid), 9 close stream (sid),
# 10 timeout (mode, arg), 11 drain output, 12 transport EOF,
# 13 transport error, 14 close, 15 take driver wake.
# Sid selector 0 = the first known stream; 0x80|n = stream id n.


def feed_raw(data):
    assert len(data) < 256
    return bytes([0, len(data)]) + data


def u16(n):
    return struct.pack("<H", n)


se = "smux_session"
client_program = (
    bytes([0])                      # Snowflake client config, client role
    + bytes([6])                    # open stream 3 -> SYN
    + bytes([5, 0]) + u16(5) + b"\x00"   # write 5 bytes
    + bytes([11])                   # drain output
    + feed_raw(PSH3_HELLO + UPD3)   # peer sends "hello", acks our 5 bytes
    + bytes([4, 0]) + u16(5)        # read 5 -> UPD
    + bytes([2, 1, 0])              # peer FIN on stream 3
    + bytes([4, 0]) + u16(5)        # read -> EOF
    + bytes([8, 0])                 # shutdown -> FIN
    + bytes([9, 0])                 # close stream
    + bytes([10, 2]) + u16(11)      # 11 s later -> NOP
    + bytes([11])                   # drain output
    + bytes([12])                   # transport EOF
)
write(se, "client_roundtrip", client_program)

server_program = (
    bytes([5])                      # Snowflake server config, server role
    + feed_raw(SYN3)
    + bytes([7])                    # accept stream 3
    + bytes([2, 2, 0]) + u16(100) + b"\x03abc"  # PSH of 100 bytes on stream 3
    + bytes([4, 0]) + u16(1000)     # read it
    + bytes([5, 0]) + u16(10) + b"\x00"
    + bytes([11])
    + bytes([10, 0])                # jump to the next timer
    + bytes([10, 0])
    + feed_raw(h("03 00 00 00 00 00 00 00"))   # bad version ends the session
    + bytes([4, 0]) + u16(10)
)
write(se, "server_accept_then_bad_frame", server_program)

flow_program = (
    bytes([2])                      # small config, client role
    + bytes([6])                    # open 3
    + bytes([2, 4, 0, 3]) + u16(10)  # UPD: consumed = written, window 10
    + bytes([5, 0]) + u16(100) + b"\x00"  # write -> 10 bytes
    + bytes([5, 0]) + u16(100) + b"\x00"  # blocked
    + bytes([11])
    + bytes([2, 4, 0, 0])           # UPD: consumed = written, window 262144
    + bytes([5, 0]) + u16(5000) + b"\x01"  # write 10000 -> frames of 100
    + bytes([11])
    + bytes([2, 4, 0, 2]) + struct.pack("<I", 10011)  # acks 1 byte more than sent
)
write(se, "small_flow_control", flow_program)

tiny_program = (
    bytes([3])                      # tiny config: 1-byte buffers, backlog 1
    + feed_raw(SYN3 + h("02 00 00 00 05 00 00 00"))  # second SYN waits
    + bytes([7])
    + bytes([3])                    # pump the rest
    + bytes([7])
    + bytes([2, 2, 0]) + u16(3) + b"\x03xyz"
    + bytes([4, 0]) + u16(1)
    + bytes([4, 0]) + u16(1)
    + bytes([10, 1]) + u16(5)       # keepalive timeout
    + bytes([4, 0]) + u16(5)
)
write(se, "tiny_backlog_and_tokens", tiny_program)

periodic_upd_program = (
    bytes([2])                      # small config: window 4096, UPD every 2048
    + bytes([6])                    # open 3
    + bytes([2, 2, 0]) + u16(3000) + b"\x00"
    + bytes([4, 0]) + u16(1000)     # first read -> UPD
    + bytes([4, 0]) + u16(1000)
    + bytes([4, 0]) + u16(1000)     # 2000 since the UPD: none yet
    + bytes([2, 2, 0]) + u16(3000) + b"\x00"
    + bytes([4, 0]) + u16(100)      # 2100 -> UPD
    + bytes([11])
    + bytes([2, 1, 0])              # FIN; remaining data still readable
    + bytes([4, 0]) + u16(5000)
    + bytes([4, 0]) + u16(5000)     # EOF
    + bytes([9, 0])
)
write(se, "small_periodic_upd_then_fin", periodic_upd_program)

backpressure_program = (
    bytes([0])                      # Snowflake client config
    + bytes([6])
    + bytes([2, 4, 0, 6]) + struct.pack("<I", 0x7FFFFFFF)  # huge window
    + (bytes([5, 0]) + u16(0xFFFF) + b"\x01") * 3   # fill the output queue
    + bytes([11])
    + bytes([5, 0]) + u16(0xFFFF) + b"\x01"
    + (bytes([2, 2, 0]) + u16(0xFFFF) + b"\x00") * 70  # 4.5 MiB > bucket
    + bytes([4, 0]) + u16(0xFFFF)
    + bytes([3])                    # pump the paused input
    + bytes([10, 3]) + struct.pack("<I", 600)  # keepalive timeout
)
write(se, "client_backpressure", backpressure_program)

# ---- SOCKS5 (§8.2, §11.9) -----------------------------------------------

so = "socks_handshake"
NO_AUTH = h("05 01 00")
CONNECT_V4 = h("05 01 00 01 7f 00 00 01 00 50")
write(so, "noauth_ipv4", split(NO_AUTH + CONNECT_V4))
write(so, "noauth_ipv4_bytewise", split(NO_AUTH + CONNECT_V4, [1]))

ARGS = (b"fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72;"
        b"url=https://1098762253.rsc.cdn77.org/;"
        b"fronts=www.cdn77.com,www.phpmyadmin.net;"
        b"ice=stun:stun.antisip.com:3478,stun:stun.epygi.com:3478,"
        b"stun:stun.uls.co.za:3478,stun:stun.voipgate.com:3478,"
        b"stun:stun.mixvoip.com:3478,stun:stun.nextcloud.com:3478;"
        b"utls-imitate=hellorandomizedalpn")
assert len(ARGS) > 255


def auth(args):
    uname, passwd = (args, b"\x00") if len(args) <= 255 else (args[:255], args[255:])
    return bytes([1, len(uname)]) + uname + bytes([len(passwd)]) + passwd


CONNECT_DOMAIN = h("05 01 00 03") + bytes([len(b"192.0.2.3")]) + b"192.0.2.3" + h("00 01")
write(so, "userpass_short_args", split(h("05 02 00 02") + auth(b"url=https://x.example/")
                                       + CONNECT_DOMAIN))
write(so, "userpass_long_args", split(h("05 01 02") + auth(ARGS) + CONNECT_DOMAIN, [7, 64]))
write(so, "escaped_args", split(h("05 01 02") + auth(b"a=b\\;c;d=e\\\\f") + CONNECT_V4))
write(so, "bad_args_no_equals", split(h("05 01 02") + auth(b"abc") + CONNECT_V4))
CONNECT_V6 = h("05 01 00 04") + bytes(15) + b"\x01" + h("01 bb")
write(so, "ipv6_with_early_data", split(NO_AUTH + CONNECT_V6 + b"early bytes", [], 1))
write(so, "bad_version", split(h("04 01 00")))
write(so, "no_acceptable_method", split(h("05 02 01 03")))
write(so, "bind_command", split(NO_AUTH + h("05 02 00 01 7f 00 00 01 00 50")))

# ---- ExtORPort (§7.7, §11.6) --------------------------------------------

COOKIE = bytes(range(32))
CLIENT_NONCE = b"\xaa" * 32
SERVER_NONCE = b"\xbb" * 32


def server_hash(nonce):
    return hmac.new(COOKIE, b"ExtORPort authentication server-to-client hash"
                    + CLIENT_NONCE + nonce, hashlib.sha256).digest()


assert server_hash(SERVER_NONCE).hex() == \
    "34a2f4df83ed4f9af94fffe0d29f0b6787179d05bb71ff4ea167691ea47ec949"

OKAY = h("10 00 00 00")
DENY = h("10 01 00 00")
HONEST = 1   # flag bit 0: the harness inserts the correct ServerHash
DRIVER = 2   # flag bit 1: feed wanted() bytes at a time

ex = "extorport_replies"
tor_ok = h("01 00") + server_hash(SERVER_NONCE) + SERVER_NONCE + h("01") + OKAY
write(ex, "vector_okay", split(tor_ok))
write(ex, "vector_okay_split", split(tor_ok, [1, 33, 2]))
write(ex, "vector_deny", split(h("01 00") + server_hash(SERVER_NONCE) + SERVER_NONCE
                               + h("01") + DENY))
write(ex, "vector_okay_body_early_data",
      split(tor_ok[:-4] + h("10 00 00 03") + b"abc" + b"early"))
write(ex, "wrong_hash", split(h("01 00") + bytes(32) + SERVER_NONCE + h("01") + OKAY))
write(ex, "no_safe_cookie", split(h("02 03 00")))
write(ex, "honest_okay", split(h("03 01 00") + SERVER_NONCE + h("01") + OKAY, [], HONEST))
write(ex, "honest_okay_driver", split(h("01 00") + SERVER_NONCE + h("01") + OKAY + b"xx",
                                      [], HONEST | DRIVER))
write(ex, "honest_status_rejected", split(h("01 00") + SERVER_NONCE + h("00"), [], HONEST))
write(ex, "honest_unknown_reply", split(h("01 00") + SERVER_NONCE + h("01 10 02 00 01 7a"),
                                        [2, 9], HONEST))
write(ex, "many_auth_types", split(bytes([2]) * 300 + h("01 00")))

# ---- broker messages and AMP (§4, §5, §11.7, §11.8) ---------------------

br = "broker_messages"
SDP_OFFER = ("v=0\r\no=- 4358805017720277108 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
             "a=group:BUNDLE data\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
             "c=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef0123456789\r\n"
             "a=fingerprint:sha-256 00:11:22\r\na=setup:actpass\r\na=mid:data\r\n"
             "a=sctp-port:5000\r\na=candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host\r\n")


def go_json(obj):
    """json.Marshal style: no spaces, HTML-safe escaping of < > &."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


offer = go_json({"type": "offer", "sdp": SDP_OFFER})
answer = go_json({"type": "answer", "sdp": SDP_OFFER.replace("actpass", "active")})
client_poll = ("1.0\n" + go_json({"offer": offer, "nat": "unknown",
                                  "fingerprint": "2B280B23E1107BB62ABFC40DDCC8824814F80A72"}))
write(br, "client_poll", client_poll.encode())
write(br, "client_poll_lowercase_keys",
      ("1.0\n" + go_json({"OFFER": offer, "nAt": "restricted", "fingerprint": ""})).encode())
write(br, "client_poll_legacy", offer.encode())
write(br, "client_poll_response_answer", go_json({"answer": answer}).encode())
write(br, "client_poll_response_error",
      b'{"error":"no snowflake proxies currently available"}')
write(br, "proxy_poll",
      b'{"Sid":"AAAAAAAAAAAAAAAAAAAAAA","Version":"1.3","Type":"standalone",'
      b'"NAT":"unrestricted","Clients":8,"AcceptedRelayPattern":"snowflake.torproject.net$"}')
write(br, "proxy_poll_null_pattern",
      b'{"Sid":"x","Version":"1.0","Type":"webext","NAT":"","Clients":-1,'
      b'"AcceptedRelayPattern":null}')
write(br, "proxy_no_match", b'{"Status":"no match","Offer":"","NAT":"","RelayURL":""}')
write(br, "proxy_client_match",
      go_json({"Status": "client match", "Offer": offer, "NAT": "restricted",
               "NextPoll": 20000, "RelayURL": "wss://snowflake.torproject.net/"}).encode())
write(br, "proxy_answer",
      go_json({"Version": "1.3", "Sid": "AAAAAAAAAAAAAAAAAAAAAA", "Answer": answer}).encode())
write(br, "proxy_answer_success", b'{"Status":"success"}')
write(br, "proxy_answer_client_gone", b'{"Status":"client gone"}')
write(br, "sdp_json", offer.encode())
write(br, "amp_path_vector", b"0AAAAAAAAAAAA/MS4wCnt9")
poll_b64 = base64.urlsafe_b64encode(client_poll.encode()).rstrip(b"=")
write(br, "amp_path_client_poll", b"0AAAAAAAAAAAA/" + poll_b64)

ARMOR_HEAD = (
    "<!doctype html>\n<html amp>\n<head>\n<meta charset=\"utf-8\">\n"
    "<script async src=\"https://cdn.ampproject.org/v0.js\"></script>\n"
    "<link rel=\"canonical\" href=\"#\">\n"
    "<meta name=\"viewport\" content=\"width=device-width\">\n"
    "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "-moz-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "-ms-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "animation:-amp-start 8s steps(1,end) 0s 1 normal both}"
    "@-webkit-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-moz-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-ms-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-o-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "</style><noscript><style amp-boilerplate>"
    "body{-webkit-animation:none;-moz-animation:none;-ms-animation:none;animation:none}"
    "</style></noscript>\n</head>\n<body>\n")
ARMOR_TAIL = "</body>\n</html>"


def armor(data):
    text = "0" + base64.b64encode(data).decode()
    lines = [text[i:i + 32] for i in range(0, len(text), 32)]
    return ARMOR_HEAD + "<pre>\n" + "\n".join(lines) + "\n</pre>\n" + ARMOR_TAIL


write(br, "amp_armor_vector",
      armor(b'{"error":"no snowflake proxies currently available"}').encode())
write(br, "amp_armor_answer", armor(go_json({"answer": answer}).encode()).encode())
write(br, "amp_armor_tricky_html",
      b"<!-- <pre> --><p title='</pre>'><pre>\n0eyJ<b>lcnJvciI6</b>Im5v\n"
      b"IHByb3hpZXMifQ==</pre><script><pre></script>")
