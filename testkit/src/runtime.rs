//! The runtime a test runs its async body in when it cannot use
//! `#[tokio::test]`, e.g. inside the network namespace of
//! [`crate::netns::run_isolated`]: two worker threads, all drivers on.

use std::future::Future;

/// Runs `test` to completion on a new multi-threaded runtime with two
/// worker threads (enough for a test's peers to make progress while the
/// test waits; the machines these tests run on have few cores).
pub fn block_on<F: Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(test)
}

/// Sends the test's logs (`RUST_LOG`, default off) to the test's output;
/// a second call does nothing.
pub fn init_test_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
