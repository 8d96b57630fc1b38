//! Test support shared by the Snowflake crates.
//!
//! * [`cli`]: checks that a program takes Go's flag spellings.
//! * [`netns`]: network namespaces with only `lo`, and re-running a test
//!   inside one, so third-party peers can never reach off the machine.
//! * [`stun`]: a STUN Binding responder for loopback WebRTC.
//! * [`http`]: a one-request-per-connection HTTP/1.1 client.
//! * [`process`]: child processes killed when a test ends; finding
//!   external programs.
//! * [`webrtc`]: a fixed SDP offer that Go's pion accepts, and SDP checks.
//! * [`go_proxy`]: command lines for Debian's Go `snowflake-proxy`.
//! * [`tor`]: launching Debian's tor (e.g. a bridge running our server) on
//!   127.0.0.1 with a private data directory.
//! * [`tor_network`]: a private Tor network (authority, relays, a bridge
//!   running a server transport, a client running a client transport) on
//!   127.0.0.1.
//! * [`go_client`]: Debian's Go `snowflake-client` as a managed PT, and a
//!   SOCKS5 client for it.
//! * [`go_build`]: building the Go interop peer (interop/go-peer) against
//!   Debian's kcp-go and smux.
//! * [`runtime`]: the multi-threaded tokio runtime isolated tests run in.
//! * [`fake_tor_extorport`]: tor's side of the Extended ORPort handshake.
//! * [`socks_client`]: a SOCKS5 client as tor speaks it to a client
//!   transport.
//! * [`tunnel_client`]: a Turbo Tunnel client (KCP and smux over WebSocket
//!   paths) that drives the server without a broker or WebRTC.
//! * [`pcap`]: reading the UDP datagrams of a classic pcap file.
//! * [`dtls_wire`]: DTLS records, handshake reassembly, ClientHello /
//!   server flight / certificate summaries and JA4, for comparing our DTLS
//!   with the browser fixtures.
//! * [`packet_capture`]: tcpdump inside a test's network namespace.
//! * [`pattern`]: repeatable pseudo-random test data (and the Go smux
//!   peer's generator).
//! * [`browser`]: headless Chromium and Firefox ESR on a test page, and the
//!   HTTP server the page signals through.
//! * [`pebble`]: Debian's `pebble` ACME test server (and its DNS server)
//!   on 127.0.0.1, and TLS clients that verify what the programs under
//!   test obtained from it.
//! * [`impair`]: delay, jitter and loss for a namespace's UDP packets
//!   through `NFQUEUE`: the decision per packet and the netlink messages
//!   (the program that applies them is `snowflake-impair`).
//! * [`moto`]: moto, a local SQS-compatible server, for the SQS rendezvous.
//! * [`tls_wire`]: TLS ClientHello parsing and JA4, for the rendezvous TLS.
//! * [`signaling_proxy`]: a proxy without WebRTC that answers one client
//!   through the broker's HTTP API, for rendezvous tests.

pub mod browser;
pub mod cli;
pub mod devtools;
pub mod dtls_wire;
pub mod fake_tor_extorport;
pub mod file_server;
pub mod go_build;
pub mod go_client;
pub mod go_proxy;
pub mod hello_recorder;
pub mod http;
pub mod http_connect_proxy;
pub mod impair;
pub mod lean_websocket;
pub mod managed_pt;
pub mod moto;
pub mod netns;
pub mod packet_capture;
pub mod pattern;
pub mod pcap;
pub mod pebble;
pub mod process;
pub mod runtime;
pub mod signaling_proxy;
pub mod socks_client;
pub mod socks_proxy;
pub mod stream_mux;
pub mod stun;
pub mod tls_wire;
pub mod tor;
pub mod tor_network;
pub mod tunnel_client;
pub mod webrtc;
