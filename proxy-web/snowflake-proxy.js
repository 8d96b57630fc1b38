// A Snowflake proxy that runs in a web page: it polls the broker for a
// client, answers the client's WebRTC offer with the browser's own
// RTCPeerConnection, and pipes the data channel to the bridge's WebSocket
// relay, with the same rules as our standalone proxy (docs/protocol.md §4.3,
// §4.4, §6). Plain JavaScript, no build step.
//
// Options come from the page's query string:
//   broker      broker URL (default https://snowflake-broker.torproject.net/)
//   relay       default relay URL when the broker names none
//               (default wss://snowflake.torproject.net/)
//   pattern     relay host pattern we accept, upstream's syntax
//               (default snowflake.torproject.net$)
//   capacity    clients served at once (default 1; 0 = no limit)
//   ice         comma-separated STUN URLs (default two public ones)
//   nat         NAT type reported to the broker (default unknown)
//   type        proxy type reported to the broker (default webext)
//   poll        poll interval in ms when the broker gives none (default 20000)
//   allow_private=1       accept relays on literal private/local addresses
//   allow_non_tls_relay=1 accept ws:// relays (default: wss:// only)
//   keep_local=1          keep local candidates in our answer (tests)
//   gum=1                 ask for camera/microphone first: Chromium then
//                         shows host candidates (tests on one machine)
//   report      URL to POST the status (JSON) to, every second
"use strict";

(function () {
  const VERSION = "1.3";
  const MIN_POLL_MS = 1000;
  const ANSWER_GATHER_CAP_MS = 3750; // as upstream's proxy
  const DATA_CHANNEL_TIMEOUT_MS = 20000;
  const RELAY_IDLE_TIMEOUT_MS = 30000;
  // Flow control toward the client: stop forwarding from the relay above
  // HIGH bytes queued on the data channel, resume below LOW.
  const HIGH_WATER = 512 * 1024;
  const LOW_WATER = 256 * 1024;
  // Bytes we hold for one client while the other side is not ready or is
  // slow; a client that makes us hold more is cut off.
  const MAX_HELD = 4 * 1024 * 1024;
  const MAX_RELAY_FRAME = 2048;

  const query = new URLSearchParams(location.search);
  const flag = (name) => ["1", "true", "yes"].includes((query.get(name) || "").toLowerCase());
  const config = {
    broker: query.get("broker") || "https://snowflake-broker.torproject.net/",
    relay: query.get("relay") || "wss://snowflake.torproject.net/",
    pattern: query.get("pattern") || "snowflake.torproject.net$",
    capacity: parseInt(query.get("capacity") || "1", 10),
    // An empty ice= means no STUN server at all.
    ice: (query.has("ice") ? query.get("ice") : "stun:stun.l.google.com:19302,stun:stun.voip.blackberry.com:3478")
      .split(",").map((s) => s.trim()).filter((s) => s.startsWith("stun:")),
    nat: query.get("nat") || "unknown",
    type: query.get("type") || "webext",
    pollMs: parseInt(query.get("poll") || "20000", 10),
    allowPrivate: flag("allow_private"),
    allowNonTls: flag("allow_non_tls_relay"),
    keepLocal: flag("keep_local"),
    gum: flag("gum"),
    report: query.get("report") || "",
  };

  // What the page shows, and what tests read (window.snowflakeProxy).
  const status = {
    state: "starting",
    polls: 0,
    clientsServed: 0,
    clientsNow: 0,
    bytesToRelay: 0,
    bytesToClients: 0,
    nat: config.nat,
    lastError: "",
    dtls: [], // per client: {tlsVersion, dtlsCipher}
    log: [],
  };
  window.snowflakeProxy = { config, status };

  function note(message) {
    const line = new Date().toISOString() + " " + message;
    status.log.push(line);
    if (status.log.length > 200) status.log.shift();
    render();
  }

  function fail(message) {
    status.lastError = message;
    note("error: " + message);
  }

  function render() {
    const el = document.getElementById("status");
    if (!el) return;
    const rows = [
      ["state", status.state],
      ["clients now", status.clientsNow],
      ["clients served", status.clientsServed],
      ["bytes to relay (upload)", status.bytesToRelay],
      ["bytes to clients (download)", status.bytesToClients],
      ["NAT type", status.nat],
      ["broker polls", status.polls],
      ["last error", status.lastError || "none"],
    ];
    el.textContent = rows.map(([k, v]) => k + ": " + v).join("\n");
  }

  // --- Relay policy (docs/protocol.md §6.4) ---

  // Upstream's host pattern: ends with "$"; with a leading "^" an exact
  // host, otherwise a plain suffix test.
  function hostMatches(pattern, host) {
    if (!pattern.endsWith("$")) return false;
    const body = pattern.slice(0, -1);
    if (body.startsWith("^")) return host === body.slice(1);
    return host.endsWith(body);
  }

  function ipv4Octets(host) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
    if (!m) return null;
    const o = m.slice(1).map(Number);
    return o.every((n) => n <= 255) ? o : null;
  }

  function isPrivateIPv4(o) {
    return o[0] === 10 || o[0] === 127 || o[0] === 0 ||
      (o[0] === 172 && o[1] >= 16 && o[1] <= 31) ||
      (o[0] === 192 && o[1] === 168) ||
      (o[0] === 169 && o[1] === 254) ||
      (o[0] === 100 && o[1] >= 64 && o[1] <= 127);
  }

  // A literal IP host (IPv4, or IPv6 in brackets) that is private, local,
  // loopback or unspecified. Names are not resolved here: a page cannot.
  function isPrivateHost(host) {
    if (host === "localhost" || host.endsWith(".localhost")) return true;
    const v4 = ipv4Octets(host);
    if (v4) return isPrivateIPv4(v4);
    if (host.startsWith("[") && host.endsWith("]")) {
      const v6 = host.slice(1, -1).toLowerCase();
      if (v6 === "::" || v6 === "::1") return true;
      if (/^f[cd]/.test(v6) || /^fe[89ab]/.test(v6)) return true;
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
      if (mapped) {
        const o = ipv4Octets(mapped[1]);
        return o === null || isPrivateIPv4(o);
      }
    }
    return false;
  }

  // The relay URL to use, or null with the reason noted.
  function acceptRelay(relayURL) {
    let url;
    try {
      url = new URL(relayURL || config.relay);
    } catch (e) {
      fail("bad relay URL");
      return null;
    }
    if (url.protocol !== "wss:" && !(url.protocol === "ws:" && config.allowNonTls)) {
      fail("relay scheme " + url.protocol + " refused");
      return null;
    }
    if (relayURL && !hostMatches(config.pattern, url.hostname)) {
      fail("relay host does not match our pattern");
      return null;
    }
    if (isPrivateHost(url.hostname) && !config.allowPrivate) {
      fail("relay on a private address refused");
      return null;
    }
    return url;
  }

  // --- SDP helpers (docs/protocol.md §5, §6.2) ---

  function candidateAddresses(sdp) {
    const out = [];
    for (const line of sdp.split(/\r?\n/)) {
      if (!line.startsWith("a=candidate:")) continue;
      const f = line.split(" ");
      if (f.length >= 8) out.push({ address: f[4], type: f[7] });
    }
    return out;
  }

  function isPublicLiteral(addr) {
    const v4 = ipv4Octets(addr);
    if (v4) return !isPrivateIPv4(v4);
    if (addr.includes(":")) return !isPrivateHost("[" + addr + "]");
    return false; // mDNS names and the like
  }

  // The client's address for ?client_ip=: the first public candidate of
  // its offer, else the c= line; null if neither has one.
  function clientIPFromSDP(sdp) {
    for (const c of candidateAddresses(sdp)) {
      if (isPublicLiteral(c.address)) return c.address;
    }
    const m = /^c=IN IP[46] ([^\s/]+)/m.exec(sdp);
    if (m && isPublicLiteral(m[1])) return m[1];
    return null;
  }

  // Our answer without local host candidates, unless asked to keep them.
  function stripLocal(sdp) {
    if (config.keepLocal) return sdp;
    return sdp.split("\r\n").filter((line) => {
      if (!line.startsWith("a=candidate:")) return true;
      const f = line.split(" ");
      return !(f[7] === "host" && !isPublicLiteral(f[4]));
    }).join("\r\n");
  }

  // --- Broker (docs/protocol.md §4.3, §4.4) ---

  function newSid() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
  }

  async function post(path, body) {
    const url = new URL(path, config.broker);
    const response = await fetch(url, { method: "POST", body: JSON.stringify(body) });
    if (response.status !== 200) throw new Error("broker " + path + ": HTTP " + response.status);
    return response.json();
  }

  async function pollOnce() {
    const sid = newSid();
    status.polls += 1;
    const clients = Math.floor(status.clientsNow / 8) * 8;
    const reply = await post("proxy", {
      Sid: sid, Version: VERSION, Type: config.type, NAT: config.nat,
      Clients: clients, AcceptedRelayPattern: config.pattern,
    });
    if (!reply || !reply.Status) throw new Error("broker reply without a status");
    const next = reply.NextPoll > 0 ? reply.NextPoll : config.pollMs;
    if (reply.Status === "client match") {
      if (!reply.Offer) throw new Error("client match without an offer");
      serve(sid, reply).catch((e) => fail(String(e)));
    } else if (reply.Status !== "no match") {
      throw new Error("broker: " + reply.Status);
    }
    return Math.max(MIN_POLL_MS, next);
  }

  async function pollLoop() {
    status.state = "polling";
    render();
    for (;;) {
      let wait = config.pollMs;
      if (config.capacity === 0 || status.clientsNow < config.capacity) {
        try {
          wait = await pollOnce();
        } catch (e) {
          fail(String(e));
        }
      } else {
        wait = MIN_POLL_MS;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  function waitForGathering(pc) {
    return new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const timer = setTimeout(resolve, ANSWER_GATHER_CAP_MS);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  // --- One client ---

  async function serve(sid, match) {
    const relayURL = acceptRelay(match.RelayURL);
    if (!relayURL) return; // refused: no answer is sent
    let offer;
    try {
      offer = JSON.parse(match.Offer);
    } catch (e) {
      throw new Error("offer is not JSON");
    }
    if (offer.type !== "offer" || typeof offer.sdp !== "string") throw new Error("bad offer");
    const clientIP = clientIPFromSDP(offer.sdp);
    if (clientIP) relayURL.searchParams.set("client_ip", clientIP);

    const pc = new RTCPeerConnection({ iceServers: config.ice.map((u) => ({ urls: u })) });
    status.clientsNow += 1;
    render();
    let finished = false;
    const finish = (why) => {
      if (finished) return;
      finished = true;
      status.clientsNow -= 1;
      note("client done: " + why);
      try { pc.close(); } catch (e) { /* already closed */ }
    };
    const openTimer = setTimeout(() => finish("data channel did not open"), DATA_CHANNEL_TIMEOUT_MS);
    pc.ondatachannel = (event) => {
      clearTimeout(openTimer);
      pipe(pc, event.channel, relayURL, finish);
    };
    try {
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
      await waitForGathering(pc);
      const answer = { type: "answer", sdp: stripLocal(pc.localDescription.sdp) };
      const reply = await post("answer", { Version: VERSION, Sid: sid, Answer: JSON.stringify(answer) });
      if (!reply || reply.Status !== "success") throw new Error("answer: " + (reply && reply.Status));
    } catch (e) {
      clearTimeout(openTimer);
      finish(String(e));
      throw e;
    }
  }

  function pipe(pc, dc, relayURL, finish) {
    dc.binaryType = "arraybuffer";
    const ws = new WebSocket(relayURL.toString());
    ws.binaryType = "arraybuffer";
    let toRelay = []; // held until the WebSocket opens
    let held = 0;
    let fromRelay = []; // held while the data channel is above HIGH_WATER
    let idleTimer = null;
    // transportStats: whether the browser has RTCTransportStats at all
    // (Firefox has none, so its DTLS version stays unknown).
    const record = { tlsVersion: "", dtlsCipher: "", transportStats: false };
    status.dtls.push(record);

    const close = (why) => {
      clearTimeout(idleTimer);
      try { dc.close(); } catch (e) { /* closed */ }
      try { ws.close(); } catch (e) { /* closed */ }
      finish(why);
    };
    const touch = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => close("relay idle for 30 s"), RELAY_IDLE_TIMEOUT_MS);
    };
    const sendToRelay = (data) => {
      // The relay gets binary frames of at most 2 KiB, as upstream's proxy
      // sends them.
      for (let off = 0; off < data.byteLength; off += MAX_RELAY_FRAME) {
        ws.send(data.slice(off, Math.min(off + MAX_RELAY_FRAME, data.byteLength)));
      }
      status.bytesToRelay += data.byteLength;
    };
    const flushToClient = () => {
      while (fromRelay.length && dc.bufferedAmount < HIGH_WATER) {
        const data = fromRelay.shift();
        held -= data.byteLength;
        dc.send(data);
        status.bytesToClients += data.byteLength;
      }
      render();
    };

    dc.bufferedAmountLowThreshold = LOW_WATER;
    dc.onbufferedamountlow = flushToClient;
    dc.onopen = async () => {
      status.clientsServed += 1;
      note("client connected");
      flushToClient();
      // Some browsers (Firefox) fill in the transport's DTLS fields a
      // moment after the channel opens: ask a few times.
      try {
        for (let i = 0; i < 30 && !(record.tlsVersion && record.dtlsCipher); i++) {
          if (i > 0) await new Promise((r) => setTimeout(r, 100));
          const stats = await pc.getStats();
          stats.forEach((s) => {
            if (s.type !== "transport") return;
            record.transportStats = true;
            if (s.tlsVersion) {
              record.tlsVersion = s.tlsVersion;
              record.dtlsCipher = s.dtlsCipher || "";
            }
          });
          if (i >= 4 && !record.transportStats) break;
        }
      } catch (e) { /* stats are informative only */ }
      render();
    };
    dc.onmessage = (event) => {
      const data = event.data instanceof ArrayBuffer ? event.data : new TextEncoder().encode(event.data).buffer;
      if (ws.readyState === WebSocket.OPEN) {
        sendToRelay(data);
      } else if (ws.readyState === WebSocket.CONNECTING) {
        held += data.byteLength;
        if (held > MAX_HELD) return close("client sent too much before the relay opened");
        toRelay.push(data);
      }
    };
    dc.onclose = () => close("data channel closed");
    ws.onopen = () => {
      touch();
      for (const data of toRelay) {
        held -= data.byteLength;
        sendToRelay(data);
      }
      toRelay = [];
    };
    ws.onmessage = (event) => {
      touch();
      const data = event.data;
      if (dc.readyState === "closing" || dc.readyState === "closed") return;
      // Held (bounded) while the channel is still opening or is full.
      if (dc.readyState === "open" && fromRelay.length === 0 && dc.bufferedAmount < HIGH_WATER) {
        dc.send(data);
        status.bytesToClients += data.byteLength;
        return;
      }
      held += data.byteLength;
      if (held > MAX_HELD) return close("client too slow for the relay");
      fromRelay.push(data);
    };
    ws.onerror = () => fail("relay WebSocket error");
    ws.onclose = () => close("relay closed");
  }

  async function reportLoop() {
    for (;;) {
      try {
        await fetch(config.report, { method: "POST", body: JSON.stringify(status) });
      } catch (e) { /* the reader may be gone */ }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  window.addEventListener("load", async () => {
    render();
    if (config.gum) {
      try {
        const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
        media.getTracks().forEach((t) => t.stop());
      } catch (e) {
        fail("getUserMedia: " + e);
      }
    }
    if (config.report) reportLoop();
    pollLoop();
  });
})();
