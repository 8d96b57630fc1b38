//! smux protocol version 2, as used by Snowflake (docs/protocol.md §3).
//!
//! Wire compatible with `github.com/xtaci/smux` v1.5.x configured with
//! `Version: 2`. Layers:
//!
//! * [`frame`]: the 8-byte frame header, frame encoding and an incremental
//!   decoder;
//! * [`SessionCore`]: the sans-IO session state machine (stream ids, v2
//!   per-stream flow control, session receive token bucket, keepalive);
//! * [`Session`] / [`Stream`]: a tokio driver running the core over any
//!   `AsyncRead + AsyncWrite` byte stream, with streams implementing tokio's
//!   `AsyncRead`/`AsyncWrite`.

mod config;
mod core;
mod error;
pub mod frame;
mod recv_buffer;
mod session;

pub use self::config::{Config, ConfigError, SNOWFLAKE_STREAM_BUFFER};
pub use self::core::{
    ReadOutcome, Role, SessionCore, Wakeup, WriteOutcome, OUTPUT_PAUSE_LIMIT, OUTPUT_QUEUE_LIMIT,
};
pub use self::error::{SessionError, StreamError};
pub use self::frame::{Command, DecodeEvent, Frame, FrameDecoder, FrameError, FrameHeader};
pub use self::session::{Session, Stream};
