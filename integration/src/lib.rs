//! The whole Snowflake system, shown and proved: an in-process stack of
//! our broker, server, proxies and client on 127.0.0.1 ([`stack`]), the
//! same programs as separate processes for per-program CPU and memory
//! figures ([`processes`]), a stand-in for tor's Extended ORPort that
//! checks the data it carries ([`standin`]), and the client side of that
//! check ([`transfer`]), real browsers running our proxy page for the
//! benchmark's browser rows ([`browser_bench`]), and the benchmark over a
//! delayed and lossy WebRTC hop ([`impaired_bench`]). The demo
//! (`snowflake-demo`), the benchmark (`snowflake-bench`) and the
//! cross-component tests are built on them.

pub mod browser_bench;
pub mod impaired_bench;
pub mod processes;
pub mod soak;
pub mod stack;
pub mod standin;
pub mod transfer;
pub mod units;
