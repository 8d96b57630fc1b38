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

/// Says when a program should shut down: on SIGTERM or SIGINT, and, if
/// tor asked for it, when stdin closes. The one lifecycle of the four
/// programs; the broker and the server also reload files on SIGHUP
/// ([`ShutdownSignal::install_with_reload`]).
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
    /// Registered only by [`ShutdownSignal::install_with_reload`]: without
    /// a handler, SIGHUP keeps its default action (termination).
    #[cfg(unix)]
    hangup: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignal {
    /// Registers the SIGTERM and SIGINT handlers now. Must be called
    /// inside a tokio runtime.
    pub fn install() -> Self {
        Self::install_handlers(false)
    }

    /// Registers SIGTERM, SIGINT and SIGHUP handlers now, for a program
    /// that reloads files on SIGHUP ([`ShutdownSignal::wait_reloading`]).
    /// Must be called inside a tokio runtime.
    pub fn install_with_reload() -> Self {
        Self::install_handlers(true)
    }

    fn install_handlers(hangup: bool) -> Self {
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
                hangup: if hangup {
                    register(SignalKind::hangup(), "SIGHUP")
                } else {
                    None
                },
            }
        }
        #[cfg(not(unix))]
        {
            let _ = hangup;
            Self {}
        }
    }

    /// Resolves on the first of the events above (stdin closing counts
    /// only if `exit_on_stdin_close`). A SIGHUP handler, if installed, is
    /// not looked at: use [`ShutdownSignal::wait_reloading`].
    pub async fn wait(self, exit_on_stdin_close: bool) {
        self.wait_reloading(exit_on_stdin_close, || {}).await;
    }

    /// Like [`ShutdownSignal::wait`], calling `on_reload` on every SIGHUP
    /// meanwhile (if the handler was installed).
    pub async fn wait_reloading(self, exit_on_stdin_close: bool, mut on_reload: impl FnMut()) {
        #[cfg(unix)]
        {
            let Self {
                terminate,
                interrupt,
                mut hangup,
            } = self;
            let shutdown = wait_for_shutdown(exit_on_stdin_close, terminate, interrupt);
            tokio::pin!(shutdown);
            loop {
                let reload = async {
                    match hangup.as_mut() {
                        Some(signal) => signal.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = &mut shutdown => return,
                    received = reload => {
                        if received.is_none() {
                            hangup = None;
                            continue;
                        }
                        tracing::info!("SIGHUP received, reloading");
                        on_reload();
                    }
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = (self, &mut on_reload);
            let stdin_closed = wait_for_stdin_close(exit_on_stdin_close);
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
}

/// Resolves when stdin closes if `exit_on_stdin_close`; never otherwise.
async fn wait_for_stdin_close(exit_on_stdin_close: bool) {
    if exit_on_stdin_close {
        wait_for_eof(tokio::io::stdin()).await;
        tracing::info!("stdin closed, shutting down");
    } else {
        std::future::pending::<()>().await;
    }
}

/// Resolves on stdin closing (if asked), SIGTERM or SIGINT.
#[cfg(unix)]
async fn wait_for_shutdown(
    exit_on_stdin_close: bool,
    terminate: Option<tokio::signal::unix::Signal>,
    interrupt: Option<tokio::signal::unix::Signal>,
) {
    tokio::select! {
        () = wait_for_stdin_close(exit_on_stdin_close) => {}
        () = wait_for(terminate) => tracing::info!("SIGTERM received, shutting down"),
        () = wait_for(interrupt) => tracing::info!("SIGINT received, shutting down"),
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

    /// The tests that raise signals take turns: each ends the others'
    /// waits too.
    #[cfg(unix)]
    static RAISING_SIGNALS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    /// A SIGTERM that arrives after `install` but before anyone awaits the
    /// signal is caught (the process would otherwise die here) and ends the
    /// wait.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_signal_before_the_wait_is_not_lost() {
        let _turn = RAISING_SIGNALS.lock().await;
        let shutdown = ShutdownSignal::install();
        // SAFETY: raising a signal in our own process, whose handler is set.
        assert_eq!(unsafe { libc::raise(libc::SIGTERM) }, 0);
        tokio::time::timeout(std::time::Duration::from_secs(10), shutdown.wait(false))
            .await
            .expect("the early SIGTERM ends the wait");
    }

    /// SIGHUP calls the reload hook and does not end the wait; SIGTERM
    /// then does.
    #[cfg(unix)]
    #[tokio::test]
    async fn sighup_reloads_and_sigterm_ends() {
        let _turn = RAISING_SIGNALS.lock().await;
        let signals = ShutdownSignal::install_with_reload();
        // SAFETY: raising a signal in our own process, whose handler is set.
        assert_eq!(unsafe { libc::raise(libc::SIGHUP) }, 0);
        let mut reloads = 0;
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            signals.wait_reloading(false, || {
                reloads += 1;
                // SAFETY: as above; SIGTERM's handler is set too.
                assert_eq!(unsafe { libc::raise(libc::SIGTERM) }, 0);
            }),
        )
        .await
        .expect("SIGTERM after the reload ends the wait");
        assert_eq!(reloads, 1);
    }
}
