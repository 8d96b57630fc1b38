//! Error values of the smux session and its streams.

use std::io;
use std::time::Duration;

use super::frame::FrameError;

/// Why a session ended (or why opening a stream failed). Cloneable so that
/// every stream and waiter can be told the same reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The peer sent a malformed frame.
    #[error("smux protocol violation: {0}")]
    Protocol(#[from] FrameError),
    /// A UPD claimed more bytes consumed than we ever sent on the stream.
    #[error("peer acknowledged {consumed} bytes on stream {sid}, but only {written} were sent")]
    PeerConsumedTooMuch {
        /// Stream id.
        sid: u32,
        /// `consumed` from the UPD.
        consumed: u32,
        /// Our `numWritten` for the stream.
        written: u32,
    },
    /// No frame arrived during a whole keepalive-timeout period.
    #[error("no smux frame received for {0:?}; session timed out")]
    KeepAliveTimeout(Duration),
    /// The transport reached end of file between frames.
    #[error("transport closed")]
    TransportClosed,
    /// The transport reached end of file inside a frame.
    #[error("transport closed in the middle of a smux frame")]
    TruncatedFrame,
    /// Reading or writing the transport failed.
    #[error("transport error ({kind:?}): {message}")]
    Transport {
        /// The I/O error kind.
        kind: io::ErrorKind,
        /// The I/O error text.
        message: String,
    },
    /// The session was closed locally ([`super::Session::close`], or every
    /// handle to it was dropped).
    #[error("smux session closed")]
    Closed,
    /// All stream ids of our parity have been used; a new session is needed
    /// (Go's `ErrGoAway`). Returned by `open_stream`, does not end the session.
    #[error("smux stream ids exhausted; start a new session")]
    StreamIdsExhausted,
}

impl SessionError {
    /// Captures an I/O error of the transport.
    pub fn transport(err: &io::Error) -> Self {
        Self::Transport {
            kind: err.kind(),
            message: err.to_string(),
        }
    }

    /// The I/O error kind streams report when their session ended for this
    /// reason.
    pub fn io_kind(&self) -> io::ErrorKind {
        match self {
            Self::Closed => io::ErrorKind::NotConnected,
            Self::KeepAliveTimeout(_) => io::ErrorKind::TimedOut,
            Self::Transport { kind, .. } => *kind,
            Self::TransportClosed | Self::TruncatedFrame => io::ErrorKind::UnexpectedEof,
            Self::Protocol(_) | Self::PeerConsumedTooMuch { .. } => io::ErrorKind::InvalidData,
            Self::StreamIdsExhausted => io::ErrorKind::Other,
        }
    }
}

impl From<SessionError> for io::Error {
    fn from(err: SessionError) -> Self {
        io::Error::new(err.io_kind(), err)
    }
}

/// Why an operation on one stream failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The session ended.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// Write after our own FIN (`shutdown`).
    #[error("smux stream {0} was shut down for writing")]
    WriteAfterShutdown(u32),
    /// The peer sent FIN and the write would have to wait for a window
    /// update, which a Go peer never sends after FIN (Go smux returns EOF in
    /// the same situation).
    #[error("smux stream {0} was closed by the peer")]
    PeerClosed(u32),
    /// The stream id is not open in this session.
    #[error("smux stream {0} is not open")]
    UnknownStream(u32),
}

impl From<StreamError> for io::Error {
    fn from(err: StreamError) -> Self {
        let kind = match &err {
            StreamError::Session(inner) => inner.io_kind(),
            StreamError::WriteAfterShutdown(_) | StreamError::PeerClosed(_) => {
                io::ErrorKind::BrokenPipe
            }
            StreamError::UnknownStream(_) => io::ErrorKind::NotConnected,
        };
        io::Error::new(kind, err)
    }
}
