//! When a managed transport should stop.
//!
//! tor sets `TOR_PT_EXIT_ON_STDIN_CLOSE=1` when it wants the transport to
//! exit as soon as tor itself goes away, which it signals by closing the
//! transport's stdin (pt-spec §3.3.1). Without it, the transport exits on
//! SIGTERM (and SIGINT, for a person running it by hand).

use tokio::io::{AsyncRead, AsyncReadExt};

/// Reads and discards `input` until it ends (EOF or a read error), which is
/// how tor says "exit now". Pass `tokio::io::stdin()` in the programs.
pub async fn wait_for_eof<R: AsyncRead + Unpin>(mut input: R) {
    let mut buf = [0u8; 512];
    loop {
        match input.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Resolves when the transport should shut down: on SIGTERM or SIGINT, and,
/// if `exit_on_stdin_close` is set, when stdin closes.
pub async fn shutdown_signal(exit_on_stdin_close: bool) {
    let stdin_closed = async {
        if exit_on_stdin_close {
            wait_for_eof(tokio::io::stdin()).await;
            tracing::info!("stdin closed, shutting down");
        } else {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        #[cfg(unix)]
        {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                    tracing::info!("SIGTERM received, shutting down");
                }
                Err(e) => {
                    tracing::warn!("cannot listen for SIGTERM: {e}");
                    std::future::pending::<()>().await;
                }
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    };
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("SIGINT received, shutting down");
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = stdin_closed => {}
        () = terminate => {}
        () = interrupt => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn eof_ends_the_wait_and_data_does_not() {
        let (mut tor_side, transport_side) = tokio::io::duplex(64);
        let waiter = tokio::spawn(wait_for_eof(transport_side));
        tor_side
            .write_all(b"anything tor writes is ignored")
            .await
            .expect("write");
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "data on stdin is not a close");
        drop(tor_side);
        tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
            .await
            .expect("EOF ends the wait")
            .expect("task ran");
    }
}
