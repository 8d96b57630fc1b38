//! A screenshot of a page in a running headless Chromium, through the
//! DevTools protocol (for the README's picture of the proxy page's status).
//!
//! Start Chromium with `--remote-debugging-port=0` (it then writes the port
//! it chose to `DevToolsActivePort` in its profile directory); then
//! [`screenshot`] finds the page's target and asks it for a PNG.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// Reads the DevTools port Chromium chose, from `<profile>/DevToolsActivePort`.
pub fn devtools_port(profile: &Path) -> Result<u16, String> {
    let text = std::fs::read_to_string(profile.join("DevToolsActivePort"))
        .map_err(|e| format!("DevToolsActivePort: {e}"))?;
    text.lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| "DevToolsActivePort has no port".to_string())
}

/// `GET /json/list` on the DevTools port, by hand (one small request).
async fn targets(port: u16) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("DevTools connect: {e}"))?;
    stream
        .write_all(b"GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    // Read the headers, then Content-Length bytes of body (DevTools keeps
    // the connection open).
    let read = async {
        let mut reply = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Ok::<Vec<u8>, String>(reply);
            }
            reply.extend_from_slice(&chunk[..n]);
            if reply.len() > 1 << 20 {
                return Err("DevTools reply too large".to_string());
            }
            let text = String::from_utf8_lossy(&reply);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())
                            .flatten()
                    })
                    .unwrap_or(usize::MAX);
                if body.len() >= length {
                    return Ok(reply);
                }
            }
        }
    };
    let reply = tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .map_err(|_| "DevTools /json/list timed out".to_string())??;
    let text = String::from_utf8_lossy(&reply);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .ok_or("DevTools reply without a body")?;
    serde_json::from_str(body).map_err(|e| format!("DevTools /json/list: {e}"))
}

/// A PNG of the first page target whose URL starts with `url_prefix`.
pub async fn screenshot(port: u16, url_prefix: &str) -> Result<Vec<u8>, String> {
    let list = targets(port).await?;
    let ws_url = list
        .as_array()
        .and_then(|targets| {
            targets.iter().find(|t| {
                t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with(url_prefix))
            })
        })
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .ok_or_else(|| format!("no DevTools page target for {url_prefix}: {list}"))?
        .to_string();
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("DevTools connect: {e}"))?;
    let (mut ws, _) = tokio_tungstenite::client_async(ws_url.as_str(), stream)
        .await
        .map_err(|e| format!("DevTools WebSocket: {e}"))?;
    let request = r#"{"id":1,"method":"Page.captureScreenshot","params":{"format":"png"}}"#;
    ws.send(Message::text(request))
        .await
        .map_err(|e| e.to_string())?;
    let wait = async {
        while let Some(message) = ws.next().await {
            let Ok(Message::Text(text)) = message else {
                continue;
            };
            let reply: Value = serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
            if reply["id"] == 1 {
                let data = reply["result"]["data"]
                    .as_str()
                    .ok_or_else(|| format!("screenshot failed: {reply}"))?;
                return base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|e| e.to_string());
            }
        }
        Err("DevTools closed before the screenshot".to_string())
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .map_err(|_| "screenshot timed out".to_string())?
}
