//! Binary-size floor for `size_rustls` and `size_boring`: the same program
//! without TLS (tokio, a TCP connection, a write).

use tokio::io::AsyncWriteExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "127.0.0.1:443".into());
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
    Ok(())
}
