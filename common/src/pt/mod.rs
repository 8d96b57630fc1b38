//! Tor pluggable-transport plumbing shared by the snowflake client and
//! server (docs/protocol.md §7.7, §8.1–8.3, §9).
//!
//! * [`env`](mod@env) — the `TOR_PT_*` environment tor passes (client and server).
//! * [`stdout`] — the lines a transport prints back to tor.
//! * [`args`] — `k=v;…` argument strings (SOCKS, SMETHOD `ARGS:`, server
//!   transport options).
//! * [`socks`] — the SOCKS5 server a client transport offers tor.
//! * [`lifecycle`] — when to exit: stdin closed (if tor asks) or a signal.
//! * [`extorport`] — the Extended ORPort handshake a server transport runs
//!   with tor.

pub mod args;
pub mod env;
pub mod extorport;
pub mod lifecycle;
pub mod socks;
pub mod stdout;
