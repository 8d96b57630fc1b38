//! SOCKS5 server handshake (`SocksHandshake`, docs/protocol.md §8.2) on
//! arbitrary client bytes fed at fuzzer-chosen read boundaries.
//!
//! Input: [`SplitInput`]; flag bit 0 answers a request with `reject`
//! instead of `grant`.
//!
//! Checks: no panic; at most one request is produced; once failed, the
//! handshake stays failed; the outcome (request, error text, bytes sent back,
//! early data) does not depend on the read boundaries; a produced request
//! re-encodes to the CONNECT bytes that precede the early data; early data
//! and replies are bounded; `grant`/`reject` work exactly once and only
//! after a request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snowflake_common::pt::socks::{
    reply_bytes, SocksError, SocksFailure, SocksHandshake, SocksRequest, SocksTarget,
    MAX_EARLY_DATA,
};
use snowflake_common_fuzz::SplitInput;

/// What one run of the handshake produced.
#[derive(Debug, PartialEq)]
struct Outcome {
    request: Option<SocksRequest>,
    /// `Display` of the first error (`SocksError` is not `PartialEq`).
    error: Option<String>,
    output: Vec<u8>,
    early_data: Vec<u8>,
}

fn run<'a>(pieces: impl Iterator<Item = &'a [u8]>, reject: bool) -> Outcome {
    let mut handshake = SocksHandshake::new();
    let mut outcome = Outcome {
        request: None,
        error: None,
        output: Vec::new(),
        early_data: Vec::new(),
    };
    for piece in pieces {
        let result = handshake.receive(piece);
        outcome.output.extend(handshake.take_output());
        match result {
            Ok(Some(request)) => {
                assert!(outcome.request.is_none(), "a second request");
                assert!(outcome.error.is_none());
                outcome.request = Some(request);
            }
            Ok(None) => assert!(outcome.error.is_none(), "success after failure"),
            Err(err) => {
                if outcome.error.is_some() {
                    assert!(matches!(err, SocksError::AlreadyFailed), "{err}");
                } else {
                    outcome.error = Some(err.to_string());
                }
            }
        }
        // Method choice, auth status and one 10-byte reply at most.
        assert!(outcome.output.len() <= 2 + 2 + 10);
    }
    if outcome.error.is_none() {
        if outcome.request.is_some() {
            let reply = if reject {
                handshake.reject(SocksFailure::ConnectionRefused)
            } else {
                handshake.grant()
            };
            reply.expect("a request waits for its reply");
            let sent = handshake.take_output();
            let code = if reject { 0x05 } else { 0x00 };
            assert_eq!(sent, reply_bytes(code));
            assert!(matches!(
                handshake.grant(),
                Err(SocksError::NoPendingRequest)
            ));
        } else {
            assert!(matches!(
                handshake.grant(),
                Err(SocksError::NoPendingRequest)
            ));
            assert!(handshake.take_output().is_empty());
        }
    }
    outcome.early_data = handshake.take_early_data();
    assert!(outcome.early_data.len() <= MAX_EARLY_DATA);
    if outcome.request.is_none() {
        assert!(outcome.early_data.is_empty());
    }
    outcome
}

/// The CONNECT request bytes for `request` (`05 01 00 ATYP ADDR PORT`), or
/// `None` when the host name was not valid UTF-8 (it is stored lossily).
fn connect_bytes(request: &SocksRequest) -> Option<Vec<u8>> {
    let mut out = vec![0x05, 0x01, 0x00];
    match &request.target {
        SocksTarget::Ip(addr) => {
            match addr.ip() {
                std::net::IpAddr::V4(ip) => {
                    out.push(0x01);
                    out.extend_from_slice(&ip.octets());
                }
                std::net::IpAddr::V6(ip) => {
                    out.push(0x04);
                    out.extend_from_slice(&ip.octets());
                }
            }
            out.extend_from_slice(&addr.port().to_be_bytes());
        }
        SocksTarget::Domain { host, port } => {
            if host.contains('\u{FFFD}') {
                return None;
            }
            out.push(0x03);
            out.push(u8::try_from(host.len()).expect("host name came from a 1-byte length"));
            out.extend_from_slice(host.as_bytes());
            out.extend_from_slice(&port.to_be_bytes());
        }
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let input = SplitInput::parse(data);
    let reject = input.flag(0);
    let split = run(input.pieces(), reject);
    if input.payload.len() <= MAX_EARLY_DATA {
        let whole = run(std::iter::once(input.payload), reject);
        assert_eq!(split, whole, "outcome depends on read boundaries");
    }
    if let Some(request) = &split.request {
        // The request ends right where the early data starts.
        let consumed = input.payload.len() - split.early_data.len();
        assert_eq!(&input.payload[consumed..], &split.early_data[..]);
        if let Some(connect) = connect_bytes(request) {
            assert!(
                input.payload[..consumed].ends_with(&connect),
                "request does not match the bytes it came from"
            );
        }
        // Arguments come from the auth step only.
        if request.username.is_empty() {
            assert!(request.password.is_empty());
        }
    }
});
