//! A SOCKS5 client as tor speaks it to a client transport (RFC 1928,
//! RFC 1929): the other end of the SOCKS5 server in
//! `snowflake_common::pt::socks`. For tests, the demo and the benchmarks,
//! which stand in for tor in front of a client transport.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connects to the SOCKS5 server at `proxy` and asks for `target`. With
/// `args` non-empty, authenticates with username/password carrying the PT
/// arguments (split over both fields past 255 bytes, as tor does); else
/// without authentication. A refused CONNECT is a `ConnectionRefused`
/// error naming the reply code.
pub async fn connect_via_socks5(
    proxy: SocketAddr,
    args: &str,
    target: std::net::SocketAddrV4,
) -> std::io::Result<tokio::net::TcpStream> {
    use std::io::{Error, ErrorKind};
    let bad = |what: String| Error::new(ErrorKind::InvalidData, what);
    let mut stream = tokio::net::TcpStream::connect(proxy).await?;
    stream.set_nodelay(true)?;
    let method = if args.is_empty() { 0 } else { 2 };
    stream.write_all(&[5, 1, method]).await?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice).await?;
    if choice != [5, method] {
        return Err(bad(format!(
            "SOCKS server refused authentication method {method}: {choice:?}"
        )));
    }
    if !args.is_empty() {
        let bytes = args.as_bytes();
        let (user, pass) = bytes.split_at(bytes.len().min(255));
        // An empty password goes as one NUL, which servers ignore.
        let pass: &[u8] = if pass.is_empty() { &[0] } else { pass };
        let pass_len = u8::try_from(pass.len())
            .map_err(|_| bad("PT arguments longer than 510 bytes".to_string()))?;
        let mut auth = vec![1, user.len() as u8];
        auth.extend_from_slice(user);
        auth.push(pass_len);
        auth.extend_from_slice(pass);
        stream.write_all(&auth).await?;
        let mut status = [0u8; 2];
        stream.read_exact(&mut status).await?;
        if status != [1, 0] {
            return Err(bad(format!("SOCKS authentication refused: {status:?}")));
        }
    }
    let mut request = vec![5, 1, 0, 1];
    request.extend_from_slice(&target.ip().octets());
    request.extend_from_slice(&target.port().to_be_bytes());
    stream.write_all(&request).await?;
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).await?;
    let [version, code, _, address_type] = head;
    if version != 5 {
        return Err(bad(format!("not a SOCKS5 reply: version {version}")));
    }
    if code != 0 {
        return Err(Error::new(
            ErrorKind::ConnectionRefused,
            format!("SOCKS CONNECT to {target} refused, reply code {code}"),
        ));
    }
    // The bound address that follows is of no use here, but must be read
    // off the stream before the data starts.
    let address_len = match address_type {
        1 => 4,
        4 => 16,
        3 => {
            let mut len = [0u8; 1];
            stream.read_exact(&mut len).await?;
            usize::from(len[0])
        }
        other => return Err(bad(format!("SOCKS reply with address type {other}"))),
    };
    let mut bound = vec![0u8; address_len + 2];
    stream.read_exact(&mut bound).await?;
    Ok(stream)
}
