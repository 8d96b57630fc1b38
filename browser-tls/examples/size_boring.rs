//! Binary-size counterpart of `size_rustls`: the same connection with this
//! crate's Chrome hello.

use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};
use tokio::io::AsyncWriteExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "localhost".into());
    let addr = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "127.0.0.1:443".into());
    let connector = TlsConnector::new(HelloProfile::Chrome, Roots::mozilla()?, true)?;
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let mut tls = connector.connect(&host, tcp).await?;
    tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
    Ok(())
}
