//! smux session settings (docs/protocol.md §3.1).

use std::time::Duration;

/// Per-stream receive window Snowflake configures on both ends (`StreamSize`).
pub const SNOWFLAKE_STREAM_BUFFER: usize = 1_048_576;

/// Settings of one smux session. Field names follow Go's `smux.Config`;
/// [`Config::snowflake_client`] and [`Config::snowflake_server`] give the
/// values Snowflake uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Protocol version; only 2 is supported.
    pub version: u8,
    /// How often a NOP keepalive is sent.
    pub keep_alive_interval: Duration,
    /// The session closes if no frame arrived during a whole period of this
    /// length (so after between 1x and 2x this time of silence).
    pub keep_alive_timeout: Duration,
    /// Largest PSH payload we send (peers may send up to 65535).
    pub max_frame_size: usize,
    /// Session-wide receive token bucket: bytes of stream data we buffer
    /// before we stop reading the transport.
    pub max_receive_buffer: usize,
    /// Per-stream receive window we announce in UPD frames.
    pub max_stream_buffer: usize,
    /// Streams opened by the peer and not yet accepted; while this many are
    /// waiting the session stops reading the transport (as Go's 1024-deep
    /// accept channel does).
    pub accept_backlog: usize,
}

/// Why a [`Config`] was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `version` is not 2.
    #[error("unsupported smux version {0}; only version 2 is implemented")]
    UnsupportedVersion(u8),
    /// `keep_alive_interval` is zero.
    #[error("keep-alive interval must be positive")]
    ZeroKeepAliveInterval,
    /// `keep_alive_timeout` is shorter than `keep_alive_interval`.
    #[error("keep-alive timeout must not be shorter than the keep-alive interval")]
    KeepAliveTimeoutTooShort,
    /// `max_frame_size` is 0 or above 65535.
    #[error("max frame size {0} must be between 1 and 65535")]
    BadFrameSize(usize),
    /// `max_receive_buffer` is 0 or above `i32::MAX`.
    #[error("max receive buffer {0} must be between 1 and 2147483647")]
    BadReceiveBuffer(usize),
    /// `max_stream_buffer` is 0 or larger than `max_receive_buffer`.
    #[error("max stream buffer {0} must be positive and not larger than the max receive buffer")]
    BadStreamBuffer(usize),
    /// `accept_backlog` is zero.
    #[error("accept backlog must be positive")]
    ZeroAcceptBacklog,
}

impl Config {
    fn snowflake(keep_alive_timeout: Duration) -> Self {
        Self {
            version: 2,
            keep_alive_interval: Duration::from_secs(10),
            keep_alive_timeout,
            max_frame_size: 32_768,
            max_receive_buffer: 4_194_304,
            max_stream_buffer: SNOWFLAKE_STREAM_BUFFER,
            accept_backlog: 1024,
        }
    }

    /// Snowflake client settings (`client/lib/snowflake.go`): keepalive
    /// timeout 10 minutes.
    pub fn snowflake_client() -> Self {
        Self::snowflake(Duration::from_secs(10 * 60))
    }

    /// Snowflake server settings (`server/lib/snowflake.go`): keepalive
    /// timeout 4 minutes.
    pub fn snowflake_server() -> Self {
        Self::snowflake(Duration::from_secs(4 * 60))
    }

    /// Checks the same rules as Go's `smux.VerifyConfig`, restricted to v2.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.version != 2 {
            return Err(ConfigError::UnsupportedVersion(self.version));
        }
        if self.keep_alive_interval.is_zero() {
            return Err(ConfigError::ZeroKeepAliveInterval);
        }
        if self.keep_alive_timeout < self.keep_alive_interval {
            return Err(ConfigError::KeepAliveTimeoutTooShort);
        }
        if self.max_frame_size == 0 || self.max_frame_size > usize::from(u16::MAX) {
            return Err(ConfigError::BadFrameSize(self.max_frame_size));
        }
        let i32_max = i32::MAX as usize;
        if self.max_receive_buffer == 0 || self.max_receive_buffer > i32_max {
            return Err(ConfigError::BadReceiveBuffer(self.max_receive_buffer));
        }
        if self.max_stream_buffer == 0 || self.max_stream_buffer > self.max_receive_buffer {
            return Err(ConfigError::BadStreamBuffer(self.max_stream_buffer));
        }
        if self.accept_backlog == 0 {
            return Err(ConfigError::ZeroAcceptBacklog);
        }
        Ok(())
    }
}
