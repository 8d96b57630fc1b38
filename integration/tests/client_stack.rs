//! Our client through our broker, proxies and server, in process on
//! 127.0.0.1, with the stand-in tor checking the data: transfers survive
//! proxies being killed, in redial and in striping mode, and a proxy that
//! silently stops is found from its unacknowledged data.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use snowflake_client::dialer::{DialError, DialedProxy, ProxyDialer};
use snowflake_client::{snowflake_dialers, ClientConfig, DialerFactory};
use snowflake_integration::stack::{Stack, StackOptions};
use snowflake_integration::standin::TransferHeader;
use snowflake_integration::transfer::{run_transfer, socks_connect, Progress, TransferReport};
use snowflake_rtc::channel::BoxFuture;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Hang guard only; nothing asserts on timing.
const HANG_GUARD: Duration = Duration::from_secs(300);
const MB: u64 = 1_000_000;

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

async fn guard<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish"),
    }
}

/// Runs a transfer through the stack and calls `during` once `at` bytes
/// have arrived; returns the report.
async fn transfer_with_event(
    stack: &mut Stack,
    header: TransferHeader,
    at: u64,
    during: impl FnOnce(&mut Stack),
) -> TransferReport {
    let stream = guard("SOCKS connect", socks_connect(stack.socks_addr(), ""))
        .await
        .expect("SOCKS connect");
    let progress = Progress::new();
    let transfer = tokio::spawn(run_transfer(stream, header, Arc::clone(&progress)));
    guard("transfer reaches the event point", async {
        while progress.received.load(Ordering::Relaxed) < at {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    during(stack);
    guard("transfer", transfer)
        .await
        .expect("transfer task")
        .expect("transfer completes")
}

/// A stack with `proxies` proxies, the client keeping `max_proxies` of them.
async fn start_stack(proxies: usize, max_proxies: usize, striping: bool) -> Stack {
    Stack::start(&StackOptions {
        proxies,
        max_proxies,
        striping,
        ..StackOptions::default()
    })
    .await
    .expect("stack")
}

fn assert_intact(report: &TransferReport, stack: &Stack) {
    assert!(report.download_intact, "download corrupted");
    assert!(report.upload_intact, "upload corrupted");
    assert_eq!(
        stack.tor.stats().uploads_corrupt.load(Ordering::Relaxed),
        0,
        "stand-in saw a corrupt upload"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redial_transfer_survives_killing_the_active_proxy() {
    init_logs();
    let mut stack = start_stack(2, 1, false).await;
    let header = TransferHeader {
        upload: 10 * MB,
        download: 50 * MB,
        seed: 1,
    };
    let mut killed = None;
    let report = transfer_with_event(&mut stack, header, 15 * MB, |stack| {
        killed = stack.kill_busy_proxy();
    })
    .await;
    assert!(killed.is_some(), "a proxy was carrying the transfer");
    assert_intact(&report, &stack);
    assert_eq!(report.downloaded, 50 * MB);
    // The other proxy took over.
    assert_eq!(stack.live_proxies().len(), 1);
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn striping_over_three_proxies_survives_killing_one() {
    init_logs();
    let mut stack = start_stack(4, 3, true).await;
    let header = TransferHeader {
        upload: 10 * MB,
        download: 50 * MB,
        seed: 2,
    };
    let mut busy_before = Vec::new();
    let mut killed = None;
    let report = transfer_with_event(&mut stack, header, 15 * MB, |stack| {
        busy_before = stack.busy_proxies();
        killed = stack.kill_busy_proxy();
    })
    .await;
    assert_eq!(
        busy_before.len(),
        3,
        "three proxies carry the striped session"
    );
    assert!(killed.is_some());
    assert_intact(&report, &stack);
    stack.shutdown().await;
}

/// A stream that stops moving bytes (without closing) once frozen, like a
/// proxy whose machine dropped off the network.
struct Freezable<S> {
    inner: S,
    frozen: Arc<AtomicBool>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Freezable<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.frozen.load(Ordering::Relaxed) {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Freezable<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.frozen.load(Ordering::Relaxed) {
            // Swallow: the bytes vanish, as on a dead network path.
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The real dialer, but the first proxy's stream can be frozen, and no
/// link events are passed on for it (so only the unacknowledged-data rule
/// can find it dead).
struct FreezingDialer {
    inner: Arc<dyn ProxyDialer>,
    dialed: AtomicUsize,
    freeze: Arc<AtomicBool>,
}

impl ProxyDialer for FreezingDialer {
    fn dial(&self) -> BoxFuture<'_, Result<DialedProxy, DialError>> {
        Box::pin(async move {
            let proxy = self.inner.dial().await?;
            if self.dialed.fetch_add(1, Ordering::SeqCst) > 0 {
                return Ok(proxy);
            }
            Ok(DialedProxy {
                stream: Box::pin(Freezable {
                    inner: proxy.stream,
                    frozen: Arc::clone(&self.freeze),
                }),
                events: None,
                description: format!("{} (freezable)", proxy.description),
                datagrams: None,
            })
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silently_dead_proxy_is_found_from_unacknowledged_data() {
    init_logs();
    let freeze = Arc::new(AtomicBool::new(false));
    let real = snowflake_dialers();
    let freeze_for_factory = Arc::clone(&freeze);
    let factory: DialerFactory = Arc::new(move |config: &ClientConfig, reporter| {
        let inner = real(config, reporter)?;
        Ok(Arc::new(FreezingDialer {
            inner,
            dialed: AtomicUsize::new(0),
            freeze: Arc::clone(&freeze_for_factory),
        }) as Arc<dyn ProxyDialer>)
    });
    let mut stack = Stack::start_with_dialers(
        &StackOptions {
            proxies: 2,
            max_proxies: 1,
            striping: false,
            // The freeze wraps the reliable stream only; a datagram
            // channel would carry on past it.
            client_datagrams: false,
            ..StackOptions::default()
        },
        factory,
    )
    .await
    .expect("stack");
    let header = TransferHeader {
        upload: 5 * MB,
        download: 10 * MB,
        seed: 3,
    };
    let report = transfer_with_event(&mut stack, header, 2 * MB, |_| {
        freeze.store(true, Ordering::SeqCst);
    })
    .await;
    assert_intact(&report, &stack);
    // Both proxies are still running: the frozen one was abandoned by the
    // client, not killed.
    assert_eq!(stack.live_proxies().len(), 2);
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bridge_line_arguments_are_refused_at_socks() {
    init_logs();
    let stack = Stack::start(&StackOptions {
        proxies: 0,
        ..StackOptions::default()
    })
    .await
    .expect("stack");
    let error = socks_connect(stack.socks_addr(), "max=lots")
        .await
        .expect_err("refused");
    assert_eq!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused,
        "{error}"
    );
    // Good arguments are accepted (the SOCKS grant comes before any proxy).
    socks_connect(stack.socks_addr(), "max=2;utls-imitate=hellorandomizedalpn")
        .await
        .expect("granted");
    stack.shutdown().await;
}

/// A stack with one proxy, the datagram channel on or off at each end.
async fn datagram_stack(client_datagrams: bool, proxy_datagrams: bool) -> Stack {
    Stack::start(&StackOptions {
        proxies: 1,
        max_proxies: 1,
        client_datagrams,
        proxy_datagrams,
        ..StackOptions::default()
    })
    .await
    .expect("stack")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_datagram_channel_carries_transfers_both_ways_intact() {
    init_logs();
    let mut stack = datagram_stack(true, true).await;
    let header = TransferHeader {
        upload: 20 * MB,
        download: 20 * MB,
        seed: 7,
    };
    let report = transfer_with_event(&mut stack, header, MB, |_| {}).await;
    assert_intact(&report, &stack);
    assert_eq!(report.downloaded, 20 * MB);
    assert_eq!(report.uploaded, 20 * MB);
    assert_eq!(
        stack.datagram_clients(),
        1,
        "the client switched to the datagram channel"
    );
    stack.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_datagram_channel_at_either_end_the_stream_carries_everything() {
    init_logs();
    for (client, proxy) in [(true, false), (false, true)] {
        let mut stack = datagram_stack(client, proxy).await;
        let header = TransferHeader {
            upload: 2 * MB,
            download: 5 * MB,
            seed: 8,
        };
        let report = transfer_with_event(&mut stack, header, MB, |_| {}).await;
        assert_intact(&report, &stack);
        assert_eq!(report.downloaded, 5 * MB);
        assert_eq!(stack.datagram_clients(), 0, "client {client} proxy {proxy}");
        stack.shutdown().await;
    }
}
