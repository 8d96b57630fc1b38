//! Sans-IO smux v2 session state machine (docs/protocol.md §3.3, §3.4).
//!
//! [`SessionCore`] owns all protocol state: streams, flow-control counters,
//! the session receive token bucket, the outgoing frame queue and the
//! keepalive timers. It never touches a socket or a clock: the driver feeds
//! it transport bytes ([`SessionCore::handle_input`]), takes encoded frames
//! from it ([`SessionCore::swap_output`]) and tells it the time
//! ([`SessionCore::handle_timeout`]). Changes that someone may be waiting for
//! are reported as [`Wakeup`]s.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::{BufMut, BytesMut};

use super::config::{Config, ConfigError};
use super::error::{SessionError, StreamError};
use super::frame::{self, Command, DecodeEvent, FrameDecoder, INITIAL_PEER_WINDOW};
use super::recv_buffer::RecvBuffer;

/// Stream writes are admitted while fewer than this many bytes of frames
/// wait in the output queue; one write adds at most this much payload.
/// Together with the driver's own write buffer this bounds send-side memory
/// to a few hundred KiB per session whatever the transport does.
pub const OUTPUT_QUEUE_LIMIT: usize = 64 * 1024;

/// Above this many queued output bytes (only reachable with control frames,
/// e.g. a flood of UPDs while the transport does not drain) the session
/// stops processing input, which is what generates control frames.
pub const OUTPUT_PAUSE_LIMIT: usize = 4 * OUTPUT_QUEUE_LIMIT;

/// Which end of the session we are; decides the parity of stream ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Opens odd stream ids 3, 5, 7, … (the Snowflake client).
    Client,
    /// Would open even stream ids 2, 4, … (the Snowflake server only accepts).
    Server,
}

/// Something a task may be waiting for changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// Stream may have data, EOF or an error to read.
    Readable(u32),
    /// Stream may be able to write (window update, queue room, FIN).
    Writable(u32),
    /// A peer-opened stream is waiting in the accept queue.
    Accept,
    /// The output queue has room again (for `open_stream`).
    OutputRoom,
    /// The session ended; everything waiting should look again.
    Closed,
}

/// Result of [`SessionCore::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOutcome {
    /// This many bytes were copied.
    Data(usize),
    /// The peer sent FIN and all data before it has been read.
    Eof,
    /// Nothing to read yet; wait for [`Wakeup::Readable`].
    Blocked,
}

/// Result of [`SessionCore::write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// This many bytes were queued as PSH frames.
    Written(usize),
    /// The peer's window or the output queue is full; wait for
    /// [`Wakeup::Writable`].
    Blocked,
}

#[derive(Debug)]
struct StreamState {
    recv: RecvBuffer,
    /// Bytes delivered to our reader (`numRead`).
    num_read: u32,
    /// Bytes read since the last UPD we sent (`incr`).
    read_since_update: u32,
    /// PSH payload bytes we sent (`numWritten`).
    num_written: u32,
    /// Last `consumed` from the peer's UPD.
    peer_consumed: u32,
    /// Last `window` from the peer's UPD.
    peer_window: u32,
    /// We sent FIN.
    local_fin: bool,
    /// The peer sent FIN.
    remote_fin: bool,
    /// This stream is in `room_waiters`.
    waiting_for_room: bool,
}

impl StreamState {
    fn new() -> Self {
        Self {
            recv: RecvBuffer::default(),
            num_read: 0,
            read_since_update: 0,
            num_written: 0,
            peer_consumed: 0,
            peer_window: INITIAL_PEER_WINDOW,
            local_fin: false,
            remote_fin: false,
            waiting_for_room: false,
        }
    }
}

/// The smux v2 session state machine. See the module docs.
#[derive(Debug)]
pub struct SessionCore {
    config: Config,
    role: Role,
    /// Largest PSH payload we send.
    frame_limit: u16,
    /// The UPD window we announce (MaxStreamBuffer).
    stream_window: u32,
    /// Last stream id we opened (Go's `nextStreamID` before `+= 2`).
    last_sid: u32,
    sids_exhausted: bool,
    streams: HashMap<u32, StreamState>,
    accept_queue: VecDeque<u32>,
    decoder: FrameDecoder,
    /// Session receive token bucket; may dip below zero by about one frame.
    bucket: i64,
    out: BytesMut,
    /// A frame arrived since the last keepalive-timeout check.
    frame_seen: bool,
    next_ping: Option<Instant>,
    next_timeout_check: Option<Instant>,
    close_reason: Option<SessionError>,
    wakeups: Vec<Wakeup>,
    room_waiters: Vec<u32>,
    driver_wake: bool,
}

impl SessionCore {
    /// A new session at time `now`. Validates `config`.
    pub fn new(role: Role, config: Config, now: Instant) -> Result<Self, ConfigError> {
        config.validate()?;
        let frame_limit = u16::try_from(config.max_frame_size)
            .map_err(|_| ConfigError::BadFrameSize(config.max_frame_size))?;
        let stream_window = u32::try_from(config.max_stream_buffer)
            .map_err(|_| ConfigError::BadStreamBuffer(config.max_stream_buffer))?;
        let bucket = i64::try_from(config.max_receive_buffer)
            .map_err(|_| ConfigError::BadReceiveBuffer(config.max_receive_buffer))?;
        Ok(Self {
            next_ping: now.checked_add(config.keep_alive_interval),
            next_timeout_check: now.checked_add(config.keep_alive_timeout),
            role,
            frame_limit,
            stream_window,
            last_sid: match role {
                Role::Client => 1,
                Role::Server => 0,
            },
            sids_exhausted: false,
            streams: HashMap::new(),
            accept_queue: VecDeque::new(),
            decoder: FrameDecoder::new(),
            bucket,
            out: BytesMut::new(),
            frame_seen: false,
            close_reason: None,
            wakeups: Vec::new(),
            room_waiters: Vec::new(),
            driver_wake: false,
            config,
        })
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Why the session ended, if it has.
    pub fn close_reason(&self) -> Option<&SessionError> {
        self.close_reason.as_ref()
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.close_reason.is_some()
    }

    /// Streams currently known (open, half closed, or waiting to be accepted).
    pub fn num_streams(&self) -> usize {
        self.streams.len()
    }

    /// Streams opened by the peer and not yet accepted.
    pub fn pending_accepts(&self) -> usize {
        self.accept_queue.len()
    }

    /// Current value of the receive token bucket (MaxReceiveBuffer minus the
    /// memory held by receive buffers).
    pub fn receive_tokens(&self) -> i64 {
        self.bucket
    }

    /// Bytes of encoded frames waiting to be written to the transport.
    pub fn output_len(&self) -> usize {
        self.out.len()
    }

    /// Ends the session locally. Buffered data stays readable.
    pub fn close(&mut self) {
        self.fail(SessionError::Closed);
    }

    /// Ends the session with `reason` unless it already ended.
    fn fail(&mut self, reason: SessionError) {
        if self.close_reason.is_none() {
            tracing::debug!(%reason, "smux session ended");
            self.close_reason = Some(reason);
            self.accept_queue.clear();
            self.room_waiters.clear();
            self.wakeups.push(Wakeup::Closed);
            self.driver_wake = true;
        }
    }

    fn session_error(&self) -> Option<SessionError> {
        self.close_reason.clone()
    }

    // ---- wakeups -------------------------------------------------------

    /// Takes the wakeups produced since the last call.
    pub fn drain_wakeups(&mut self) -> std::vec::Drain<'_, Wakeup> {
        self.wakeups.drain(..)
    }

    /// Returns (and clears) whether the driver has new work: output to
    /// write, input it may read again, or the session ended.
    pub fn take_driver_wake(&mut self) -> bool {
        std::mem::take(&mut self.driver_wake)
    }

    // ---- stream lifecycle ----------------------------------------------

    /// Whether the output queue has room for new frames. `open_stream`
    /// callers should wait for [`Wakeup::OutputRoom`] while it has not.
    pub fn has_output_room(&self) -> bool {
        self.out.len() < OUTPUT_QUEUE_LIMIT
    }

    /// Opens a stream: picks the next id of our parity and queues its SYN.
    pub fn open_stream(&mut self) -> Result<u32, SessionError> {
        if let Some(err) = self.session_error() {
            return Err(err);
        }
        loop {
            if self.sids_exhausted {
                return Err(SessionError::StreamIdsExhausted);
            }
            match self.last_sid.checked_add(2) {
                Some(sid) => {
                    self.last_sid = sid;
                    // A misbehaving peer may have opened an id of our parity.
                    if let Entry::Vacant(slot) = self.streams.entry(sid) {
                        slot.insert(StreamState::new());
                        frame::put_header(&mut self.out, Command::Syn, 0, sid);
                        self.driver_wake = true;
                        return Ok(sid);
                    }
                }
                None => self.sids_exhausted = true,
            }
        }
    }

    /// Takes the next peer-opened stream, if any.
    pub fn accept(&mut self) -> Option<u32> {
        let was_full = self.accept_queue.len() >= self.config.accept_backlog;
        let sid = self.accept_queue.pop_front()?;
        if was_full {
            self.driver_wake = true;
        }
        Some(sid)
    }

    /// Closes our write side: queues FIN. Idempotent.
    pub fn shutdown_stream(&mut self, sid: u32) -> Result<(), StreamError> {
        if let Some(err) = self.session_error() {
            return Err(err.into());
        }
        let stream = self
            .streams
            .get_mut(&sid)
            .ok_or(StreamError::UnknownStream(sid))?;
        if !stream.local_fin {
            stream.local_fin = true;
            frame::put_header(&mut self.out, Command::Fin, 0, sid);
            self.driver_wake = true;
        }
        Ok(())
    }

    /// Forgets a stream whose handle is gone: sends FIN if we had not yet,
    /// discards unread data (returning its tokens), and ignores any later
    /// frames for the id.
    pub fn close_stream(&mut self, sid: u32) {
        let Some(mut stream) = self.streams.remove(&sid) else {
            return;
        };
        self.accept_queue.retain(|&queued| queued != sid);
        let freed = stream.recv.clear();
        self.return_tokens(freed);
        if !stream.local_fin && self.close_reason.is_none() {
            frame::put_header(&mut self.out, Command::Fin, 0, sid);
            self.driver_wake = true;
        }
    }

    fn return_tokens(&mut self, freed: usize) {
        if freed == 0 {
            return;
        }
        let was_exhausted = self.bucket <= 0;
        self.bucket = self
            .bucket
            .saturating_add(i64::try_from(freed).unwrap_or(i64::MAX));
        if was_exhausted && self.bucket > 0 {
            self.driver_wake = true;
        }
    }

    // ---- stream data ---------------------------------------------------

    /// Reads buffered data of stream `sid` into `buf`, and queues a UPD
    /// when the v2 rule asks for one (first read, then every
    /// MaxStreamBuffer/2 bytes).
    pub fn read(&mut self, sid: u32, buf: &mut [u8]) -> Result<ReadOutcome, StreamError> {
        let stream = self
            .streams
            .get_mut(&sid)
            .ok_or(StreamError::UnknownStream(sid))?;
        if buf.is_empty() {
            return Ok(ReadOutcome::Data(0));
        }
        let (n, freed) = stream.recv.read(buf);
        if n == 0 {
            if stream.remote_fin {
                return Ok(ReadOutcome::Eof);
            }
            if let Some(err) = self.session_error() {
                return Err(err.into());
            }
            return Ok(ReadOutcome::Blocked);
        }
        // `n` <= buf.len(); stream counters are modulo 2^32 like Go's u32s.
        let n32 = n as u32;
        stream.num_read = stream.num_read.wrapping_add(n32);
        stream.read_since_update = stream.read_since_update.saturating_add(n32);
        let first_read = stream.num_read == n32;
        if first_read || stream.read_since_update >= self.stream_window / 2 {
            stream.read_since_update = 0;
            let consumed = stream.num_read;
            if self.close_reason.is_none() {
                frame::put_upd(&mut self.out, sid, consumed, self.stream_window);
                self.driver_wake = true;
            }
        }
        self.return_tokens(freed);
        Ok(ReadOutcome::Data(n))
    }

    /// Queues as much of `data` as the peer's window and the output queue
    /// allow, in PSH frames of at most MaxFrameSize.
    pub fn write(&mut self, sid: u32, data: &[u8]) -> Result<WriteOutcome, StreamError> {
        if let Some(err) = self.session_error() {
            return Err(err.into());
        }
        let stream = self
            .streams
            .get_mut(&sid)
            .ok_or(StreamError::UnknownStream(sid))?;
        if stream.local_fin {
            return Err(StreamError::WriteAfterShutdown(sid));
        }
        if data.is_empty() {
            return Ok(WriteOutcome::Written(0));
        }
        // Checked when the UPD arrived, so never negative here.
        let inflight = stream.num_written.wrapping_sub(stream.peer_consumed) as i32;
        let window_left = i64::from(stream.peer_window) - i64::from(inflight.max(0));
        if window_left <= 0 {
            if stream.remote_fin {
                return Err(StreamError::PeerClosed(sid));
            }
            return Ok(WriteOutcome::Blocked);
        }
        if self.out.len() >= OUTPUT_QUEUE_LIMIT {
            if !stream.waiting_for_room {
                stream.waiting_for_room = true;
                self.room_waiters.push(sid);
            }
            return Ok(WriteOutcome::Blocked);
        }
        let allowed = usize::try_from(window_left).unwrap_or(usize::MAX);
        let total = data.len().min(allowed).min(OUTPUT_QUEUE_LIMIT);
        let (mut rest, _) = data.split_at(total);
        self.out
            .reserve(total + (total / usize::from(self.frame_limit) + 1) * frame::HEADER_LEN);
        while !rest.is_empty() {
            let len =
                u16::try_from(rest.len()).map_or(self.frame_limit, |l| l.min(self.frame_limit));
            let (payload, later) = rest.split_at(usize::from(len));
            frame::put_header(&mut self.out, Command::Psh, len, sid);
            self.out.put_slice(payload);
            rest = later;
        }
        stream.num_written = stream.num_written.wrapping_add(total as u32);
        self.driver_wake = true;
        Ok(WriteOutcome::Written(total))
    }

    /// Bytes buffered for reading on stream `sid`.
    pub fn readable_len(&self, sid: u32) -> usize {
        self.streams.get(&sid).map_or(0, |s| s.recv.len())
    }

    // ---- transport side ------------------------------------------------

    /// Whether the driver should read more from the transport. False while
    /// the token bucket is exhausted, the accept backlog is full, the output
    /// queue is over [`OUTPUT_PAUSE_LIMIT`], or the session ended.
    pub fn wants_input(&self) -> bool {
        self.close_reason.is_none() && self.can_start_frame()
    }

    fn can_start_frame(&self) -> bool {
        self.bucket > 0
            && self.accept_queue.len() < self.config.accept_backlog
            && self.out.len() < OUTPUT_PAUSE_LIMIT
    }

    /// Processes transport bytes. Returns how many were consumed: all of
    /// them, unless [`Self::wants_input`] turned false at a frame boundary;
    /// the caller keeps the rest and offers it again after the next driver
    /// wake. A malformed frame ends the session and is returned as error.
    pub fn handle_input(&mut self, input: &[u8]) -> Result<usize, SessionError> {
        if let Some(err) = self.session_error() {
            return Err(err);
        }
        let mut pos = 0;
        while let Some(rest) = input.get(pos..).filter(|r| !r.is_empty()) {
            if self.decoder.at_frame_boundary() && !self.can_start_frame() {
                break;
            }
            let (used, event) = match self.decoder.decode(rest) {
                Ok(step) => step,
                Err(err) => {
                    let err = SessionError::Protocol(err);
                    self.fail(err.clone());
                    return Err(err);
                }
            };
            pos += used;
            if let Some(event) = event {
                self.frame_seen = true;
                self.apply(event)?;
            }
        }
        Ok(pos)
    }

    fn apply(&mut self, event: DecodeEvent<'_>) -> Result<(), SessionError> {
        match event {
            DecodeEvent::Nop => {}
            DecodeEvent::Syn { sid } => {
                if let Entry::Vacant(slot) = self.streams.entry(sid) {
                    slot.insert(StreamState::new());
                    self.accept_queue.push_back(sid);
                    self.wakeups.push(Wakeup::Accept);
                }
            }
            DecodeEvent::Fin { sid } => {
                if let Some(stream) = self.streams.get_mut(&sid) {
                    stream.remote_fin = true;
                    self.wakeups.push(Wakeup::Readable(sid));
                    self.wakeups.push(Wakeup::Writable(sid));
                }
            }
            DecodeEvent::Upd {
                sid,
                consumed,
                window,
            } => {
                if let Some(stream) = self.streams.get_mut(&sid) {
                    let written = stream.num_written;
                    if (written.wrapping_sub(consumed) as i32) < 0 {
                        let err = SessionError::PeerConsumedTooMuch {
                            sid,
                            consumed,
                            written,
                        };
                        self.fail(err.clone());
                        return Err(err);
                    }
                    stream.peer_consumed = consumed;
                    stream.peer_window = window;
                    self.wakeups.push(Wakeup::Writable(sid));
                }
            }
            DecodeEvent::PshData {
                sid,
                data,
                remaining,
            } => {
                // Data after the peer's FIN is past the end of the stream.
                if let Some(stream) = self.streams.get_mut(&sid).filter(|s| !s.remote_fin) {
                    if !data.is_empty() {
                        let charged = stream.recv.push(data, usize::from(remaining));
                        self.bucket = self
                            .bucket
                            .saturating_sub(i64::try_from(charged).unwrap_or(i64::MAX));
                        self.wakeups.push(Wakeup::Readable(sid));
                    }
                }
            }
        }
        Ok(())
    }

    /// The transport reached end of file: ends the session.
    pub fn handle_transport_eof(&mut self) {
        if self.decoder.at_frame_boundary() {
            self.fail(SessionError::TransportClosed);
        } else {
            self.fail(SessionError::TruncatedFrame);
        }
    }

    /// Reading or writing the transport failed: ends the session.
    pub fn handle_transport_error(&mut self, err: &std::io::Error) {
        self.fail(SessionError::transport(err));
    }

    /// Moves all queued output into `spare` (which must have been fully
    /// written; it is cleared) by swapping buffers, so both allocations are
    /// reused. Wakes writers that were waiting for queue room.
    pub fn swap_output(&mut self, spare: &mut BytesMut) {
        spare.clear();
        if self.out.is_empty() {
            return;
        }
        let was_full = self.out.len() >= OUTPUT_QUEUE_LIMIT;
        std::mem::swap(&mut self.out, spare);
        for sid in self.room_waiters.drain(..) {
            if let Some(stream) = self.streams.get_mut(&sid) {
                stream.waiting_for_room = false;
                self.wakeups.push(Wakeup::Writable(sid));
            }
        }
        if was_full {
            self.wakeups.push(Wakeup::OutputRoom);
        }
        if self.out.len() < OUTPUT_PAUSE_LIMIT && spare.len() >= OUTPUT_PAUSE_LIMIT {
            // Input processing may resume.
            self.driver_wake = true;
        }
    }

    /// Takes all queued output as a new buffer (convenience for tests).
    pub fn take_output(&mut self) -> BytesMut {
        let mut out = BytesMut::new();
        self.swap_output(&mut out);
        out
    }

    // ---- timers ----------------------------------------------------------

    /// The next instant at which [`Self::handle_timeout`] has work, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.close_reason.is_some() {
            return None;
        }
        match (self.next_ping, self.next_timeout_check) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs due timers: queues a NOP every KeepAliveInterval (skipped while
    /// output is queued anyway, so a stuck transport cannot pile them up),
    /// and every KeepAliveTimeout ends the session if no frame arrived
    /// during the period, unless the token bucket is exhausted (then we are
    /// the ones not reading).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.close_reason.is_some() {
            return;
        }
        if let Some(due) = self.next_ping.filter(|due| *due <= now) {
            if self.out.is_empty() {
                frame::put_header(&mut self.out, Command::Nop, 0, 0);
                self.driver_wake = true;
            }
            self.next_ping = next_tick(due, self.config.keep_alive_interval, now);
        }
        if let Some(due) = self.next_timeout_check.filter(|due| *due <= now) {
            if !self.frame_seen && self.bucket > 0 {
                self.fail(SessionError::KeepAliveTimeout(
                    self.config.keep_alive_timeout,
                ));
                return;
            }
            self.frame_seen = false;
            self.next_timeout_check = next_tick(due, self.config.keep_alive_timeout, now);
        }
    }
}

/// Next tick of a ticker with period `period` that was due at `due`,
/// skipping ticks missed by a late caller (like Go's `time.Ticker`).
fn next_tick(due: Instant, period: Duration, now: Instant) -> Option<Instant> {
    let next = due.checked_add(period)?;
    if next > now {
        Some(next)
    } else {
        now.checked_add(period)
    }
}
