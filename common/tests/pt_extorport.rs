//! Extended ORPort: the transport's side against the fake tor in
//! `snowflake_testkit::fake_tor_extorport`, against hand-written byte
//! sequences, and over real sockets.

use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;
use snowflake_common::pt::env::OrTarget;
use snowflake_common::pt::extorport::transport_side::{
    dial_or, ext_or_handshake, ExtOrClient, ExtOrProgress,
};
use snowflake_common::pt::extorport::{
    client_hash, encode_command, server_hash, AuthCookie, CookieError, ExtOrError, CMD_DONE,
    CMD_USERADDR,
};
use snowflake_testkit::fake_tor_extorport::{
    serve_ext_or_handshake, ExtOrClientInfo, ExtOrServer, MAX_COMMANDS,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HANG_GUARD: Duration = Duration::from_secs(30);

fn cookie_a() -> AuthCookie {
    AuthCookie::new([0x11; 32])
}

fn cookie_b() -> AuthCookie {
    AuthCookie::new([0x22; 32])
}

/// A fresh directory for cookie files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "pt-extor-{tag}-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Passes bytes between a sans-IO client and server until neither has
/// anything to say. Returns the client's last result and the server's info.
fn pump(
    client: &mut ExtOrClient,
    server: &mut ExtOrServer,
    decide: bool,
) -> (
    Result<ExtOrProgress, ExtOrError>,
    Result<Option<ExtOrClientInfo>, ExtOrError>,
) {
    let mut client_result = Ok(ExtOrProgress::NeedMore);
    let mut server_result = Ok(None);
    for _ in 0..10 {
        let to_client = server.take_output();
        if !to_client.is_empty() {
            client_result = client.receive(&to_client);
            if client_result.is_err() {
                break;
            }
        }
        let to_server = client.take_output();
        if !to_server.is_empty() {
            server_result = server.receive(&to_server);
            match &server_result {
                Err(_) => {
                    // Deliver the failure status, as tor would.
                    let status = server.take_output();
                    if !status.is_empty() {
                        client_result = client.receive(&status);
                    }
                    break;
                }
                Ok(Some(_)) => {
                    if decide {
                        server.accept().unwrap();
                    } else {
                        server.deny().unwrap();
                    }
                }
                Ok(None) => {}
            }
        }
    }
    (
        client_result,
        server_result.map(|_| Some(server.info().clone())),
    )
}

#[test]
fn client_and_server_agree() {
    let mut client = ExtOrClient::new(
        cookie_a(),
        [1; 32],
        Some("[2001:db8::1]:1"),
        Some("snowflake"),
    )
    .unwrap();
    let mut server = ExtOrServer::new(cookie_a(), [2; 32]);
    let (c, s) = pump(&mut client, &mut server, true);
    assert_eq!(c.unwrap(), ExtOrProgress::Done);
    let info = s.unwrap().unwrap();
    assert_eq!(info.user_addr.as_deref(), Some("[2001:db8::1]:1"));
    assert_eq!(info.transport.as_deref(), Some("snowflake"));
    assert!(info.unknown_commands.is_empty());
    assert!(client.is_done());
}

#[test]
fn no_useraddr_when_none() {
    let mut client = ExtOrClient::new(cookie_a(), [1; 32], None, Some("snowflake")).unwrap();
    let mut server = ExtOrServer::new(cookie_a(), [2; 32]);
    let (c, s) = pump(&mut client, &mut server, true);
    assert_eq!(c.unwrap(), ExtOrProgress::Done);
    assert_eq!(s.unwrap().unwrap().user_addr, None);
}

#[test]
fn deny_is_an_error() {
    let mut client = ExtOrClient::new(cookie_a(), [1; 32], None, Some("snowflake")).unwrap();
    let mut server = ExtOrServer::new(cookie_a(), [2; 32]);
    let (c, _) = pump(&mut client, &mut server, false);
    assert!(matches!(c, Err(ExtOrError::Denied)));
}

#[test]
fn wrong_server_hash_is_refused_before_sending_ours() {
    // The server knows cookie B, the client A: the client must refuse tor's
    // hash and must not reveal its own.
    let mut client = ExtOrClient::new(cookie_a(), [1; 32], None, Some("snowflake")).unwrap();
    let mut server = ExtOrServer::new(cookie_b(), [2; 32]);
    let (c, _) = pump(&mut client, &mut server, true);
    assert!(matches!(c, Err(ExtOrError::ServerHashMismatch)));
    assert!(client.take_output().is_empty());
    assert!(ExtOrError::ServerHashMismatch
        .to_string()
        .contains("TOR_PT_AUTH_COOKIE_FILE"));
}

/// Hand-written tor bytes for a client with ClientNonce [1; 32] and the
/// server nonce [2; 32], keyed with `cookie`.
fn tor_bytes(cookie: &AuthCookie, reply: &[u8]) -> Vec<u8> {
    let mut v = vec![1, 0];
    v.extend(server_hash(cookie, &[1; 32], &[2; 32]));
    v.extend([2; 32]);
    v.push(1);
    v.extend_from_slice(reply);
    v
}

fn new_client() -> ExtOrClient {
    ExtOrClient::new(cookie_a(), [1; 32], Some("1.2.3.4:1"), Some("snowflake")).unwrap()
}

#[test]
fn hand_written_success_and_client_bytes() {
    let mut client = new_client();
    assert_eq!(
        client
            .receive(&tor_bytes(&cookie_a(), &[0x10, 0, 0, 0]))
            .unwrap(),
        ExtOrProgress::Done
    );
    let mut expected = vec![1];
    expected.extend([1; 32]);
    expected.extend(client_hash(&cookie_a(), &[1; 32], &[2; 32]));
    expected.extend(encode_command(CMD_USERADDR, b"1.2.3.4:1").unwrap());
    expected.extend(encode_command(0x0002, b"snowflake").unwrap());
    expected.extend(encode_command(CMD_DONE, b"").unwrap());
    assert_eq!(client.take_output(), expected);
}

#[test]
fn hand_written_failures() {
    let mut c = new_client();
    assert!(matches!(
        c.receive(&tor_bytes(&cookie_a(), &[0x10, 0x01, 0, 0])),
        Err(ExtOrError::Denied)
    ));
    let mut c = new_client();
    assert!(matches!(
        c.receive(&tor_bytes(&cookie_a(), &[0x10, 0x02, 0, 0])),
        Err(ExtOrError::UnexpectedReply(0x1002))
    ));
    let mut c = new_client();
    assert!(matches!(
        c.receive(&tor_bytes(&cookie_b(), &[0x10, 0, 0, 0])),
        Err(ExtOrError::ServerHashMismatch)
    ));
    // Status 0: authentication rejected.
    let mut c = new_client();
    let mut bytes = tor_bytes(&cookie_a(), &[]);
    *bytes.last_mut().unwrap() = 0;
    assert!(matches!(
        c.receive(&bytes),
        Err(ExtOrError::AuthRejected(0))
    ));
    // SAFE_COOKIE not offered.
    let mut c = new_client();
    match c.receive(&[2, 3, 0]) {
        Err(ExtOrError::SafeCookieNotOffered { offered }) => assert_eq!(offered, [2, 3]),
        other => panic!("{other:?}"),
    }
    // After a failure nothing more is accepted.
    assert!(matches!(c.receive(&[1]), Err(ExtOrError::WrongState)));
}

#[test]
fn auth_type_list_limit() {
    // 255 types then the terminator: accepted (goptlib's limit is 256 reads).
    let mut c = new_client();
    let mut types: Vec<u8> = (1..=255).collect();
    types.push(0);
    assert_eq!(c.receive(&types).unwrap(), ExtOrProgress::NeedMore);
    assert_eq!(c.take_output().first(), Some(&1));
    // 256 non-zero bytes: refused, whether or not they arrive at once.
    let mut c = new_client();
    assert!(matches!(
        c.receive(&[1; 256]),
        Err(ExtOrError::TooManyAuthTypes)
    ));
    let mut c = new_client();
    for _ in 0..255 {
        assert_eq!(c.receive(&[3]).unwrap(), ExtOrProgress::NeedMore);
    }
    assert!(matches!(c.receive(&[1]), Err(ExtOrError::TooManyAuthTypes)));
}

#[test]
fn reply_body_is_skipped_and_early_data_kept() {
    let mut c = new_client();
    let mut bytes = tor_bytes(&cookie_a(), &[0x10, 0, 0, 3, b'x', b'y', b'z']);
    bytes.extend(b"OR data");
    assert_eq!(c.receive(&bytes).unwrap(), ExtOrProgress::Done);
    assert_eq!(c.take_early_data(), b"OR data");
}

#[test]
fn client_picks_safe_cookie_among_other_auth_types() {
    let mut client = new_client();
    let mut server = ExtOrServer::with_auth_types(cookie_a(), [2; 32], &[3, 1, 7]);
    let (c, _) = pump(&mut client, &mut server, true);
    assert_eq!(c.unwrap(), ExtOrProgress::Done);

    let mut client = new_client();
    let mut server = ExtOrServer::with_auth_types(cookie_a(), [2; 32], &[3, 7]);
    let (c, _) = pump(&mut client, &mut server, true);
    assert!(matches!(c, Err(ExtOrError::SafeCookieNotOffered { .. })));
}

#[test]
fn early_data_after_okay_is_bounded() {
    use snowflake_common::pt::extorport::MAX_EARLY_DATA;
    let mut c = new_client();
    c.receive(&tor_bytes(&cookie_a(), &[0x10, 0, 0, 0]))
        .unwrap();
    c.receive(&vec![0; MAX_EARLY_DATA]).unwrap();
    assert!(matches!(
        c.receive(&[0]),
        Err(ExtOrError::TooMuchEarlyData(_))
    ));
}

#[tokio::test]
async fn driving_a_failed_client_is_an_error() {
    use snowflake_common::pt::extorport::transport_side::drive;
    let mut c = new_client();
    assert!(c.receive(&[2, 0]).is_err());
    let (mut a, _b) = tokio::io::duplex(64);
    assert!(matches!(
        drive(&mut a, c).await,
        Err(ExtOrError::WrongState)
    ));
}

#[test]
fn wanted_never_reads_past_the_handshake() {
    let mut c = new_client();
    let mut bytes = tor_bytes(&cookie_a(), &[0x10, 0, 0, 2, b'x', b'y']);
    bytes.extend(b"after");
    let mut pos = 0;
    while c.wanted() > 0 {
        let n = c.wanted().min(bytes.len() - pos);
        c.receive(&bytes[pos..pos + n]).unwrap();
        pos += n;
    }
    assert!(c.is_done());
    assert_eq!(&bytes[pos..], b"after");
}

proptest! {
    #[test]
    fn client_split_reads(cuts in proptest::collection::vec(0usize..140, 0..10)) {
        let bytes = tor_bytes(&cookie_a(), &[0x10, 0, 0, 0]);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.push(0);
        cuts.push(bytes.len());
        cuts.sort_unstable();
        let mut c = new_client();
        let mut last = ExtOrProgress::NeedMore;
        let mut output = Vec::new();
        for w in cuts.windows(2) {
            last = c.receive(&bytes[w[0]..w[1]]).unwrap();
            output.extend(c.take_output());
        }
        prop_assert_eq!(last, ExtOrProgress::Done);
        let mut whole = new_client();
        whole.receive(&bytes).unwrap();
        prop_assert_eq!(output, whole.take_output());
    }

    #[test]
    fn server_split_reads(cut in 0usize..120) {
        let mut client = new_client();
        client.receive(&tor_bytes(&cookie_a(), &[])).unwrap();
        let bytes = client.take_output();
        let cut = cut % (bytes.len() + 1);
        let mut server = ExtOrServer::new(cookie_a(), [2; 32]);
        let first = server.receive(&bytes[..cut]).unwrap();
        let info = match first {
            Some(info) => info,
            None => server.receive(&bytes[cut..]).unwrap().expect("DONE"),
        };
        prop_assert_eq!(info.transport.as_deref(), Some("snowflake"));
        prop_assert_eq!(info.user_addr.as_deref(), Some("1.2.3.4:1"));
    }
}

#[test]
fn server_refuses_bad_client_hash_and_auth_type() {
    let mut server = ExtOrServer::new(cookie_a(), [2; 32]);
    assert_eq!(server.take_output(), [1, 0]);
    let mut bytes = vec![1];
    bytes.extend([1; 32]);
    assert_eq!(server.receive(&bytes).unwrap(), None);
    let mut expected = server_hash(&cookie_a(), &[1; 32], &[2; 32]).to_vec();
    expected.extend([2; 32]);
    assert_eq!(server.take_output(), expected);
    // A hash made with another cookie.
    let wrong = client_hash(&cookie_b(), &[1; 32], &[2; 32]);
    assert!(matches!(
        server.receive(&wrong),
        Err(ExtOrError::ClientHashMismatch)
    ));
    assert_eq!(server.take_output(), [0]);

    let mut server = ExtOrServer::new(cookie_a(), [2; 32]);
    assert!(matches!(
        server.receive(&[2]),
        Err(ExtOrError::UnsupportedAuthType(2))
    ));
}

fn authenticated_server() -> ExtOrServer {
    let mut server = ExtOrServer::new(cookie_a(), [2; 32]);
    server.take_output();
    let mut bytes = vec![1];
    bytes.extend([1; 32]);
    bytes.extend(client_hash(&cookie_a(), &[1; 32], &[2; 32]));
    server.receive(&bytes).unwrap();
    let out = server.take_output();
    assert_eq!(out.last(), Some(&1));
    server
}

#[test]
fn server_records_unknown_commands_and_limits_count() {
    let mut server = authenticated_server();
    let mut bytes = encode_command(0x0bad, b"?").unwrap();
    bytes.extend(encode_command(CMD_DONE, b"").unwrap());
    bytes.extend(b"early");
    let info = server.receive(&bytes).unwrap().unwrap();
    assert_eq!(info.unknown_commands, [0x0bad]);
    assert_eq!(server.take_early_data(), b"early");
    server.accept().unwrap();
    assert_eq!(server.take_output(), [0x10, 0, 0, 0]);
    assert!(matches!(server.deny(), Err(ExtOrError::WrongState)));

    let mut server = authenticated_server();
    let mut bytes = Vec::new();
    for _ in 0..=MAX_COMMANDS {
        bytes.extend(encode_command(0x0bad, b"").unwrap());
    }
    assert!(matches!(
        server.receive(&bytes),
        Err(ExtOrError::TooManyCommands(_))
    ));
}

#[test]
fn cookie_file_errors_name_the_file() {
    let dir = TempDir::new("errors");
    let missing = dir.path("missing");
    let err = AuthCookie::read_file(&missing).unwrap_err();
    assert!(matches!(err, CookieError::Io { .. }));
    assert!(err.to_string().contains("missing"));

    let short = dir.path("short");
    std::fs::write(&short, &cookie_a().file_contents()[..40]).unwrap();
    let err = AuthCookie::read_file(&short).unwrap_err();
    assert!(matches!(err, CookieError::WrongSize { size: 40, .. }));
    assert!(err.to_string().contains("exactly 64"), "{err}");

    let long = dir.path("long");
    std::fs::write(&long, vec![b'!'; 1000]).unwrap();
    assert!(matches!(
        AuthCookie::read_file(&long),
        Err(CookieError::WrongSize { size: 65, .. })
    ));

    let header = dir.path("header");
    let mut contents = cookie_a().file_contents();
    contents[5] ^= 0xff;
    std::fs::write(&header, contents).unwrap();
    assert!(matches!(
        AuthCookie::read_file(&header),
        Err(CookieError::BadHeader { .. })
    ));

    let good = dir.path("good");
    cookie_a().write_file(&good).unwrap();
    assert_eq!(AuthCookie::read_file(&good).unwrap(), cookie_a());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&good).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "cookie file readable by others: {mode:o}");
    }
}

#[tokio::test]
async fn async_bad_cookie_file_is_a_clear_error() {
    let dir = TempDir::new("async-bad");
    let path = dir.path("cookie");
    std::fs::write(&path, b"too short").unwrap();
    let (mut a, _b) = tokio::io::duplex(1024);
    let err = ext_or_handshake(&mut a, &path, None, Some("snowflake"), HANG_GUARD)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        ExtOrError::Cookie(CookieError::WrongSize { size: 9, .. })
    ));
}

async fn fake_tor_duplex(
    cookie_path: &Path,
    tor_cookie: AuthCookie,
    accept: bool,
) -> (Result<(), ExtOrError>, Result<ExtOrClientInfo, ExtOrError>) {
    let (mut pt_side, mut tor_side) = tokio::io::duplex(1024);
    let tor = tokio::spawn(async move {
        serve_ext_or_handshake(&mut tor_side, &tor_cookie, |_| accept, HANG_GUARD)
            .await
            .map(|served| served.info)
    });
    let client = ext_or_handshake(
        &mut pt_side,
        cookie_path,
        Some("192.0.2.9:1"),
        Some("snowflake"),
        HANG_GUARD,
    )
    .await;
    drop(pt_side);
    (client, tor.await.unwrap())
}

#[tokio::test]
async fn async_handshake_success_deny_and_wrong_cookie() {
    let dir = TempDir::new("async");
    let path = dir.path("cookie");
    cookie_a().write_file(&path).unwrap();

    let (client, tor) = fake_tor_duplex(&path, cookie_a(), true).await;
    client.unwrap();
    let info = tor.unwrap();
    assert_eq!(info.user_addr.as_deref(), Some("192.0.2.9:1"));
    assert_eq!(info.transport.as_deref(), Some("snowflake"));

    let (client, tor) = fake_tor_duplex(&path, cookie_a(), false).await;
    assert!(matches!(client, Err(ExtOrError::Denied)));
    tor.unwrap();

    let (client, tor) = fake_tor_duplex(&path, cookie_b(), true).await;
    assert!(matches!(client, Err(ExtOrError::ServerHashMismatch)));
    assert!(tor.is_err());
}

/// tor may rewrite the cookie file; each connection must read it afresh.
#[tokio::test]
async fn cookie_is_reread_for_each_connection() {
    let dir = TempDir::new("reread");
    let path = dir.path("cookie");
    cookie_a().write_file(&path).unwrap();
    let (client, _) = fake_tor_duplex(&path, cookie_a(), true).await;
    client.unwrap();
    cookie_b().write_file(&path).unwrap();
    let (client, _) = fake_tor_duplex(&path, cookie_b(), true).await;
    client.unwrap();
}

#[tokio::test]
async fn truncated_tor_input_is_an_error_not_a_hang() {
    let dir = TempDir::new("trunc");
    let path = dir.path("cookie");
    cookie_a().write_file(&path).unwrap();
    // Cuts inside the auth-type list and inside ServerHash (later cuts
    // would fail the hash check, the ClientNonce being random here).
    for cut in [0usize, 1, 2, 20, 65] {
        let (mut pt_side, mut tor_side) = tokio::io::duplex(1024);
        let bytes = tor_bytes(&cookie_a(), &[0x10, 0, 0, 0]);
        tor_side.write_all(&bytes[..cut]).await.unwrap();
        tor_side.shutdown().await.unwrap();
        let result =
            ext_or_handshake(&mut pt_side, &path, None, Some("snowflake"), HANG_GUARD).await;
        assert!(
            matches!(result, Err(ExtOrError::ClosedEarly)),
            "cut {cut}: {result:?}"
        );
        drop(tor_side);
    }
}

/// tor authenticates, reads the commands, then hangs up instead of
/// answering.
#[tokio::test]
async fn tor_closing_before_okay_is_an_error_not_a_hang() {
    let dir = TempDir::new("close");
    let path = dir.path("cookie");
    cookie_a().write_file(&path).unwrap();
    let (mut pt_side, mut tor_side) = tokio::io::duplex(1024);
    let tor = tokio::spawn(async move {
        let mut server = ExtOrServer::new(cookie_a(), [9; 32]);
        let mut buf = [0u8; 256];
        loop {
            tor_side.write_all(&server.take_output()).await.unwrap();
            let n = tor_side.read(&mut buf).await.unwrap();
            assert!(n > 0);
            if server.receive(&buf[..n]).unwrap().is_some() {
                return server.info().clone();
            }
        }
    });
    let result = ext_or_handshake(&mut pt_side, &path, None, Some("snowflake"), HANG_GUARD).await;
    assert!(matches!(result, Err(ExtOrError::ClosedEarly)), "{result:?}");
    assert_eq!(tor.await.unwrap().transport.as_deref(), Some("snowflake"));
}

#[tokio::test(start_paused = true)]
async fn silent_tor_times_out() {
    let dir = TempDir::new("silent");
    let path = dir.path("cookie");
    cookie_a().write_file(&path).unwrap();
    let (mut pt_side, tor_side) = tokio::io::duplex(1024);
    let result = ext_or_handshake(
        &mut pt_side,
        &path,
        None,
        Some("snowflake"),
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(result, Err(ExtOrError::Timeout)), "{result:?}");
    drop(tor_side);
}

#[tokio::test]
async fn dial_or_extended_over_tcp_keeps_stream_intact() {
    let dir = TempDir::new("dial");
    let path = dir.path("cookie");
    cookie_a().write_file(&path).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tor = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let served = serve_ext_or_handshake(&mut stream, &cookie_a(), |_| true, HANG_GUARD)
            .await
            .unwrap();
        // OR traffic right behind OKAY must reach the transport intact.
        stream.write_all(b"from tor").await.unwrap();
        let mut buf = [0u8; 7];
        stream.read_exact(&mut buf).await.unwrap();
        (served, buf)
    });
    let target = OrTarget::Extended {
        addr,
        cookie_file: path.clone(),
    };
    let mut stream = dial_or(&target, Some("[2001:db8::2]:1"), "snowflake", HANG_GUARD)
        .await
        .unwrap();
    let mut buf = [0u8; 8];
    stream.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"from tor");
    stream.write_all(b"from pt").await.unwrap();
    let (served, got) = tor.await.unwrap();
    assert_eq!(&got, b"from pt");
    assert!(served.accepted);
    assert!(served.early_data.is_empty());
    assert_eq!(served.info.user_addr.as_deref(), Some("[2001:db8::2]:1"));
}

#[tokio::test]
async fn dial_or_plain_sends_nothing_first() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tor = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await.unwrap();
        buf
    });
    let mut stream = dial_or(
        &OrTarget::Plain(addr),
        Some("1.2.3.4:1"),
        "snowflake",
        HANG_GUARD,
    )
    .await
    .unwrap();
    stream.write_all(b"cell").await.unwrap();
    drop(stream);
    assert_eq!(tor.await.unwrap(), b"cell");
}

#[cfg(unix)]
#[tokio::test]
async fn handshake_over_unix_socket() {
    let dir = TempDir::new("unix");
    let path = dir.path("cookie");
    cookie_a().write_file(&path).unwrap();
    let sock = dir.path("extor.sock");
    let listener = tokio::net::UnixListener::bind(&sock).unwrap();
    let tor = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        serve_ext_or_handshake(&mut stream, &cookie_a(), |_| true, HANG_GUARD)
            .await
            .unwrap()
    });
    let mut stream = tokio::net::UnixStream::connect(&sock).await.unwrap();
    ext_or_handshake(&mut stream, &path, None, Some("snowflake"), HANG_GUARD)
        .await
        .unwrap();
    assert_eq!(
        tor.await.unwrap().info.transport.as_deref(),
        Some("snowflake")
    );
}
