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

/// Says when the transport should shut down: on SIGTERM or SIGINT, and, if
/// tor asked for it, when stdin closes.
///
/// The signal handlers are registered by [`ShutdownSignal::install`], not on
/// first poll: a program installs it before it reports itself ready
/// (`CMETHODS DONE`, a listening socket), so a signal sent right after that
/// is never met by the default action (termination without cleanup).
pub struct ShutdownSignal {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignal {
    /// Registers the handlers now. Must be called inside a tokio runtime.
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let register = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!("cannot listen for {name}: {e}");
                    None
                }
            };
            Self {
                terminate: register(SignalKind::terminate(), "SIGTERM"),
                interrupt: register(SignalKind::interrupt(), "SIGINT"),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves on the first of the events above (stdin closing counts
    /// only if `exit_on_stdin_close`).
    pub async fn wait(self, exit_on_stdin_close: bool) {
        let stdin_closed = async {
            if exit_on_stdin_close {
                wait_for_eof(tokio::io::stdin()).await;
                tracing::info!("stdin closed, shutting down");
            } else {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        {
            let (terminate, interrupt) = (self.terminate, self.interrupt);
            tokio::select! {
                () = stdin_closed => {}
                () = wait_for(terminate) => tracing::info!("SIGTERM received, shutting down"),
                () = wait_for(interrupt) => tracing::info!("SIGINT received, shutting down"),
            }
        }
        #[cfg(not(unix))]
        tokio::select! {
            () = stdin_closed => {}
            r = tokio::signal::ctrl_c() => {
                if r.is_ok() {
                    tracing::info!("interrupted, shutting down");
                }
            }
        }
    }
}

/// Waits for one delivery of `signal`; never resolves without a handler.
#[cfg(unix)]
async fn wait_for(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut s) => {
            if s.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
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

    /// A SIGTERM that arrives after `install` but before anyone awaits the
    /// signal is caught (the process would otherwise die here) and ends the
    /// wait. The only test in this binary that raises a signal.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_signal_before_the_wait_is_not_lost() {
        let shutdown = ShutdownSignal::install();
        // SAFETY: raising a signal in our own process, whose handler is set.
        assert_eq!(unsafe { libc::raise(libc::SIGTERM) }, 0);
        tokio::time::timeout(std::time::Duration::from_secs(10), shutdown.wait(false))
            .await
            .expect("the early SIGTERM ends the wait");
    }
}
