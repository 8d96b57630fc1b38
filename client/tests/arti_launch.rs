//! The `snowflake-client` binary launched as arti launches transports:
//! `TOR_PT_EXIT_ON_STDIN_CLOSE=1` (arti keeps our stdin and closes it to
//! stop us), readiness (`CMETHODS DONE`) right away (arti gives up after
//! 30 s), and a long bridge line split over the SOCKS5 user name and
//! password: arti puts the first 255 bytes of the escaped `k=v;…` string
//! in the user name and the rest in the password (C tor does the same),
//! and the two must be joined before the escapes are undone (pt-spec
//! §3.5). Tor Browser's snowflake bridge line is 413 bytes; the test's is
//! 500, with an escaped `;` split across the two fields.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use snowflake_testkit::managed_pt::{read_line, KillOnDrop};

const BIN: &str = env!("CARGO_BIN_EXE_snowflake-client");
const FINGERPRINT: &str = "2B280B23E1107BB62ABFC40DDCC8824814F80A72";

/// A bridge line of exactly 500 bytes in arti's escaped form, whose
/// `url` value (`http://<broker>/a;b/`, the `;` escaped) has its `\` as
/// the 255th byte, so the escape is split between user name and password.
fn bridge_line(broker: SocketAddr) -> String {
    let head = format!(
        "fingerprint={FINGERPRINT};ice=stun:127.0.0.1:3478,stun:127.0.0.1:3479;\
         utls-imitate=hellorandomizedalpn;padding="
    );
    let url_start = format!(";url=http://{broker}/a");
    let fill = 254 - head.len() - url_start.len();
    let mut line = format!("{head}{}{url_start}", "p".repeat(fill));
    assert_eq!(line.len(), 254);
    line.push_str("\\;b/");
    line.push_str(";tail=");
    let rest = 500 - line.len();
    line.push_str(&"t".repeat(rest));
    assert_eq!(line.len(), 500);
    assert_eq!(&line[254..256], "\\;");
    line
}

/// A SOCKS5 connection as arti makes it: user name the first 255 bytes of
/// `args`, password the rest. The reply code, and the connection.
fn socks_arti_style(addr: SocketAddr, args: &str) -> (u8, TcpStream) {
    let (user, pass) = args.as_bytes().split_at(255);
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(&[5, 1, 2]).unwrap();
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [5, 2]);
    let mut auth = vec![1, user.len() as u8];
    auth.extend_from_slice(user);
    auth.push(pass.len() as u8);
    auth.extend_from_slice(pass);
    s.write_all(&auth).unwrap();
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [1, 0]);
    s.write_all(&[5, 1, 0, 1, 192, 0, 2, 3, 0, 80]).unwrap();
    let mut reply = [0u8; 10];
    s.read_exact(&mut reply).unwrap();
    (reply[1], s)
}

/// The client's broker request: request line and body.
fn broker_request(broker: &TcpListener) -> (String, String) {
    let (stream, _) = broker.accept().expect("the client reaches the broker");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("length");
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    (
        request_line.trim_end().to_string(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[test]
fn a_500_byte_bridge_line_split_as_arti_does_and_exit_on_stdin_close() {
    let state = std::env::temp_dir().join(format!(
        "snowflake-client-arti-{}-{:x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    // As arti: no flags but those of the transport's configuration, the
    // bridge line carries the settings.
    let child = Command::new(BIN)
        .arg("-loopback-only")
        .env_clear()
        .env("TOR_PT_MANAGED_TRANSPORT_VER", "1")
        .env("TOR_PT_STATE_LOCATION", &state)
        .env("TOR_PT_CLIENT_TRANSPORTS", "snowflake")
        .env("TOR_PT_EXIT_ON_STDIN_CLOSE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start snowflake-client");
    let mut guard = KillOnDrop(child);
    let mut out = BufReader::new(guard.0.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    while lines.last().map(String::as_str) != Some("CMETHODS DONE") {
        let line = read_line(&mut out);
        assert!(!line.is_empty(), "stdout ended early: {lines:?}");
        lines.push(line);
    }
    let addr: SocketAddr = lines
        .iter()
        .find_map(|l| l.strip_prefix("CMETHOD snowflake socks5 "))
        .expect("CMETHOD")
        .parse()
        .expect("address");

    let broker = TcpListener::bind("127.0.0.1:0").unwrap();
    let line = bridge_line(broker.local_addr().unwrap());
    let (code, _session) = socks_arti_style(addr, &line);
    assert_eq!(code, 0, "granted");
    let (request_line, body) = broker_request(&broker);
    // The url from the password part, its escape rejoined across the split.
    assert_eq!(request_line, "POST /a;b/client HTTP/1.1");
    // The fingerprint from the user-name part.
    assert!(body.contains(FINGERPRINT), "{body}");
    // Arguments we do not know are reported to tor, not fatal.
    let log = read_line(&mut out);
    assert!(log.starts_with("LOG SEVERITY=notice MESSAGE="), "{log}");

    // arti closes our stdin: we exit, cleanly.
    drop(guard.0.stdin.take());
    for _ in 0..300 {
        if let Some(status) = guard.0.try_wait().expect("try_wait") {
            assert!(status.success(), "{status}");
            let _ = std::fs::remove_dir_all(&state);
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("snowflake-client did not exit after stdin closed");
}
