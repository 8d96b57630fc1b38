//! The transport's side of the Extended ORPort handshake (`ExtOrClient`,
//! docs/protocol.md §7.7) receiving arbitrary bytes from "tor", with the
//! fixed cookie and ClientNonce of the §11.6 vector.
//!
//! Input: [`SplitInput`]. The payload is tor's byte stream, except with flag
//! bit 0 set: then the harness plays an honest tor up to the status byte,
//! so the fuzzer reaches the later steps. The payload is then read as
//! `auth types up to and including the first 00` ‖ `32-byte ServerNonce`
//! ‖ `rest`, and the stream fed is `auth types` ‖ correct ServerHash ‖
//! `ServerNonce` ‖ `rest`. With flag bit 1 set, each piece is cut to
//! `wanted()` bytes as the async driver does.
//!
//! Checks: no panic; the outcome (done, need more, or the error) equals that
//! of a whole-buffer reference written from the spec, whatever the split;
//! what the client sends is exactly `01 ‖ ClientNonce`, then the correct
//! ClientHash, then `USERADDR`, `TRANSPORT`, `DONE`, each only after tor's
//! previous step succeeded; after a failure every call fails; when fed
//! `wanted()` bytes at a time, nothing past the OKAY reply is consumed;
//! early data is bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snowflake_common::pt::extorport::transport_side::{ExtOrClient, ExtOrProgress};
use snowflake_common::pt::extorport::{
    client_hash, encode_command, server_hash, AuthCookie, ExtOrError, CMD_DENY, CMD_DONE, CMD_OKAY,
    CMD_TRANSPORT, CMD_USERADDR, MAX_AUTH_TYPES, MAX_EARLY_DATA, NONCE_LEN,
};
use snowflake_common_fuzz::{split_cyclic, SplitInput};

const USER_ADDR: &str = "1.2.3.4:1";
const TRANSPORT: &str = "snowflake";
const CLIENT_NONCE: [u8; NONCE_LEN] = [0xaa; NONCE_LEN];

fn cookie() -> AuthCookie {
    let mut bytes = [0u8; NONCE_LEN];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = i as u8;
    }
    AuthCookie::new(bytes)
}

/// How a handshake over a whole stream must end, per the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expected {
    NeedMore,
    /// Done after consuming this many bytes.
    Done(usize),
    /// Failed with an error whose `Display` is this.
    Failed(String),
}

/// Everything the client sends in a successful handshake with
/// `server_nonce`: `01 ‖ ClientNonce`, ClientHash, USERADDR, TRANSPORT, DONE.
fn full_output(server_nonce: &[u8; NONCE_LEN]) -> Vec<u8> {
    let cookie = cookie();
    let mut out = vec![0x01];
    out.extend_from_slice(&CLIENT_NONCE);
    out.extend_from_slice(&client_hash(&cookie, &CLIENT_NONCE, server_nonce));
    out.extend(encode_command(CMD_USERADDR, USER_ADDR.as_bytes()).expect("short"));
    out.extend(encode_command(CMD_TRANSPORT, TRANSPORT.as_bytes()).expect("short"));
    out.extend(encode_command(CMD_DONE, &[]).expect("short"));
    out
}

/// Whole-stream reference from the spec. Returns the expected outcome and
/// how many bytes of [`full_output`] the client must have sent by then.
fn reference(stream: &[u8]) -> (Expected, usize, Option<[u8; NONCE_LEN]>) {
    let fail = |e: ExtOrError| Expected::Failed(e.to_string());
    // Auth types: up to 255 of them, terminated by 00.
    let Some(end) = stream.iter().position(|&b| b == 0) else {
        if stream.len() >= MAX_AUTH_TYPES {
            return (fail(ExtOrError::TooManyAuthTypes), 0, None);
        }
        return (Expected::NeedMore, 0, None);
    };
    if end >= MAX_AUTH_TYPES {
        return (fail(ExtOrError::TooManyAuthTypes), 0, None);
    }
    let offered = &stream[..end];
    if !offered.contains(&1) {
        return (
            fail(ExtOrError::SafeCookieNotOffered {
                offered: offered.to_vec(),
            }),
            0,
            None,
        );
    }
    let sent_choice = 1 + NONCE_LEN;
    let rest = &stream[end + 1..];
    let Some(hash_and_nonce) = rest.get(..2 * NONCE_LEN) else {
        return (Expected::NeedMore, sent_choice, None);
    };
    let (their_hash, nonce) = hash_and_nonce.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("32 bytes");
    if their_hash != server_hash(&cookie(), &CLIENT_NONCE, &nonce) {
        return (
            fail(ExtOrError::ServerHashMismatch),
            sent_choice,
            Some(nonce),
        );
    }
    let sent_hash = sent_choice + NONCE_LEN;
    let rest = &rest[2 * NONCE_LEN..];
    let Some((&status, rest)) = rest.split_first() else {
        return (Expected::NeedMore, sent_hash, Some(nonce));
    };
    if status != 1 {
        return (
            fail(ExtOrError::AuthRejected(status)),
            sent_hash,
            Some(nonce),
        );
    }
    let sent_all = full_output(&nonce).len();
    let Some(header) = rest.get(..4) else {
        return (Expected::NeedMore, sent_all, Some(nonce));
    };
    let command = u16::from_be_bytes([header[0], header[1]]);
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    if rest.len() < 4 + len {
        return (Expected::NeedMore, sent_all, Some(nonce));
    }
    let consumed = stream.len() - rest.len() + 4 + len;
    let outcome = match command {
        CMD_OKAY => Expected::Done(consumed),
        CMD_DENY => fail(ExtOrError::Denied),
        other => fail(ExtOrError::UnexpectedReply(other)),
    };
    (outcome, sent_all, Some(nonce))
}

/// Builds tor's stream: the payload itself, or (honest mode) with a correct
/// ServerHash inserted after the auth types.
fn tor_stream(payload: &[u8], honest: bool) -> Vec<u8> {
    if !honest {
        return payload.to_vec();
    }
    let types_end = payload
        .iter()
        .position(|&b| b == 0)
        .map_or(payload.len(), |p| p + 1);
    let (types, rest) = payload.split_at(types_end);
    let mut nonce = [0u8; NONCE_LEN];
    let taken = rest.len().min(NONCE_LEN);
    nonce[..taken].copy_from_slice(&rest[..taken]);
    let mut stream = types.to_vec();
    stream.extend_from_slice(&server_hash(&cookie(), &CLIENT_NONCE, &nonce));
    stream.extend_from_slice(&nonce);
    stream.extend_from_slice(&rest[taken..]);
    stream
}

fuzz_target!(|data: &[u8]| {
    let input = SplitInput::parse(data);
    let stream = tor_stream(input.payload, input.flag(0));
    let like_driver = input.flag(1);

    let mut client = ExtOrClient::new(cookie(), CLIENT_NONCE, Some(USER_ADDR), Some(TRANSPORT))
        .expect("short commands encode");
    let mut sent = Vec::new();
    let mut fed = 0usize;
    let mut result: Expected = Expected::NeedMore;
    'feed: for piece in split_cyclic(&stream, input.chunk_lengths) {
        let mut piece = piece;
        loop {
            let take = if like_driver {
                piece.len().min(client.wanted())
            } else {
                piece.len()
            };
            let (now, later) = piece.split_at(take);
            piece = later;
            let progress = client.receive(now);
            sent.extend(client.take_output());
            match progress {
                Ok(ExtOrProgress::NeedMore) => {
                    assert!(!client.is_done());
                    assert!(client.wanted() > 0);
                }
                Ok(ExtOrProgress::Done) => {
                    assert!(client.is_done());
                    if !matches!(result, Expected::Done(_)) {
                        result = Expected::Done(fed + now.len());
                    }
                }
                Err(err) => {
                    result = Expected::Failed(err.to_string());
                    assert_eq!(client.wanted(), 0);
                    assert!(matches!(
                        client.receive(b"\x01"),
                        Err(ExtOrError::WrongState)
                    ));
                    assert!(client.take_output().is_empty(), "output after failure");
                    break 'feed;
                }
            }
            fed += now.len();
            if piece.is_empty() || (like_driver && client.is_done()) {
                break;
            }
        }
        if like_driver && client.is_done() {
            break;
        }
    }

    // Early data stays bounded; the driver-like feed never reads past OKAY.
    let early = client.take_early_data();
    assert!(early.len() <= MAX_EARLY_DATA);

    let (want, want_sent, nonce) = reference(&stream);
    match (&result, &want) {
        (Expected::Done(_), Expected::Done(consumed)) => {
            if like_driver {
                assert!(early.is_empty(), "driver-style feed read past OKAY");
                assert_eq!(fed, *consumed, "driver-style feed consumed a wrong amount");
            } else if stream.len() - consumed <= MAX_EARLY_DATA {
                assert_eq!(early, &stream[*consumed..], "early data lost or mangled");
            }
        }
        (Expected::Failed(got), Expected::Failed(wanted)) => {
            // Too much early data after OKAY is also a failure; the
            // reference does not model it.
            assert_eq!(got, wanted, "different error");
        }
        (Expected::Failed(got), Expected::Done(consumed))
            if stream.len() - consumed > MAX_EARLY_DATA =>
        {
            assert!(got.contains("after the ExtORPort handshake"), "{got}");
        }
        (got, wanted) => assert_eq!(got, wanted, "outcome differs from the reference"),
    }
    let full = nonce.map_or_else(
        || {
            let mut out = vec![0x01];
            out.extend_from_slice(&CLIENT_NONCE);
            out
        },
        |nonce| full_output(&nonce),
    );
    let want_sent = &full[..want_sent];
    if matches!(result, Expected::Failed(_)) {
        // A failing call drops the output it produced (nothing more is sent
        // to a peer we give up on), so only a prefix may have gone out.
        assert!(want_sent.starts_with(&sent), "client sent the wrong bytes");
    } else {
        assert_eq!(sent, want_sent, "client sent the wrong bytes");
    }
});
