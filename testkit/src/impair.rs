//! Delay, jitter and loss for the UDP packets of a test network namespace,
//! done in user space (the kernels we run on have no `sch_netem`).
//!
//! An iptables `NFQUEUE` rule hands each UDP packet to a program
//! (`snowflake-impair`, in the integration crate) that answers with a
//! verdict per packet id: drop it now, or accept it later. Inside a
//! namespace with only `lo`, a packet between two local sockets crosses
//! the INPUT chain once (on its way in; `snowflake-impair` says why not
//! OUTPUT), so holding each packet for `delay` adds `delay` to each
//! direction (twice that to a round trip), and dropping it with
//! probability `loss` loses that share of each direction.
//!
//! This module is the part that needs no socket:
//!
//! * [`ImpairSchedule`]: given a packet id and its arrival time, decide
//!   whether it is dropped (by loss, or because too many packets are held
//!   already) or when it is released; a seeded RNG makes it repeatable.
//! * [`nfq`]: the netlink messages of the `NFQUEUE` protocol (binding a
//!   queue, packet notices, verdicts, acknowledgements), built and parsed
//!   without trusting the input.
//! * [`Counters`] and [`parse_counter_line`]: the one-line summary the
//!   program prints when it exits.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How packets are impaired.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpairConfig {
    /// Added to every released packet (one crossing of the rule).
    pub delay: Duration,
    /// A random extra delay, uniform in `[0, jitter]`, per packet.
    pub jitter: Duration,
    /// Probability of dropping a packet, from 0 to 1.
    pub loss: f64,
    /// At most this many packets are held at once; more are dropped.
    pub max_held: usize,
    /// Let jitter reorder packets. When false (the default), a packet is
    /// never released before one that arrived earlier, so jitter delays
    /// but does not reorder.
    pub reorder: bool,
}

impl Default for ImpairConfig {
    fn default() -> Self {
        Self {
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            loss: 0.0,
            max_held: 8192,
            reorder: false,
        }
    }
}

impl ImpairConfig {
    /// Checks the settings: loss within `[0, 1]`, room for one packet.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.loss) {
            return Err(format!("loss must be from 0 to 1, not {}", self.loss));
        }
        if self.max_held == 0 {
            return Err("the held-packet cap must be at least 1".to_string());
        }
        Ok(())
    }
}

/// Why a packet was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropCause {
    /// Chosen by the loss probability.
    Loss,
    /// The held-packet cap was reached.
    OverCap,
}

/// What becomes of one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Drop it now.
    Drop(DropCause),
    /// Accept it at this moment (it is held until then).
    Release(Instant),
}

/// What an [`ImpairSchedule`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Packets seen.
    pub queued: u64,
    /// Packets released (accepted).
    pub released: u64,
    /// Packets dropped by the loss probability.
    pub dropped_loss: u64,
    /// Packets dropped because the cap of held packets was reached.
    pub dropped_over_cap: u64,
    /// The most packets held at once.
    pub max_held: u64,
}

impl fmt::Display for Counters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "queued={} released={} dropped_loss={} dropped_over_cap={} max_held={}",
            self.queued, self.released, self.dropped_loss, self.dropped_over_cap, self.max_held
        )
    }
}

/// `key=value` pairs of a counter line (words without `=` are skipped,
/// values that are not numbers too).
pub fn parse_counter_line(line: &str) -> BTreeMap<String, u64> {
    line.split_whitespace()
        .filter_map(|word| word.split_once('='))
        .filter_map(|(key, value)| Some((key.to_string(), value.parse().ok()?)))
        .collect()
}

/// The decisions for a stream of packets: drop now, or release at a
/// time; the packets waiting for release in a timer queue.
#[derive(Debug)]
pub struct ImpairSchedule {
    config: ImpairConfig,
    rng: StdRng,
    /// (release time, arrival order, packet id), earliest first.
    held: BinaryHeap<Reverse<(Instant, u64, u32)>>,
    arrivals: u64,
    last_release: Option<Instant>,
    counters: Counters,
}

impl ImpairSchedule {
    /// A schedule with `config`, its random choices drawn from `seed`.
    pub fn new(config: ImpairConfig, seed: u64) -> Result<Self, String> {
        config.validate()?;
        Ok(Self {
            config,
            rng: StdRng::seed_from_u64(seed),
            held: BinaryHeap::new(),
            arrivals: 0,
            last_release: None,
            counters: Counters::default(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &ImpairConfig {
        &self.config
    }

    /// Decides about packet `id` that arrived at `arrival`; a released
    /// packet is held until [`ImpairSchedule::pop_due`] hands it out.
    pub fn on_packet(&mut self, id: u32, arrival: Instant) -> Decision {
        self.counters.queued += 1;
        // Always draw, so the loss pattern does not depend on the cap.
        let lost = self.config.loss > 0.0 && self.rng.random::<f64>() < self.config.loss;
        if lost {
            self.counters.dropped_loss += 1;
            return Decision::Drop(DropCause::Loss);
        }
        if self.held.len() >= self.config.max_held {
            self.counters.dropped_over_cap += 1;
            return Decision::Drop(DropCause::OverCap);
        }
        let jitter = if self.config.jitter.is_zero() {
            Duration::ZERO
        } else {
            let nanos = u64::try_from(self.config.jitter.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(self.rng.random_range(0..=nanos))
        };
        let mut release = arrival + self.config.delay + jitter;
        if !self.config.reorder {
            if let Some(last) = self.last_release {
                release = release.max(last);
            }
        }
        self.last_release = Some(self.last_release.map_or(release, |l| l.max(release)));
        self.arrivals += 1;
        self.held.push(Reverse((release, self.arrivals, id)));
        self.counters.max_held = self.counters.max_held.max(self.held.len() as u64);
        Decision::Release(release)
    }

    /// When the next held packet is due, if any is held.
    pub fn next_release(&self) -> Option<Instant> {
        self.held.peek().map(|Reverse((at, _, _))| *at)
    }

    /// The next held packet due at `now`, if any (call until `None`).
    pub fn pop_due(&mut self, now: Instant) -> Option<u32> {
        match self.held.peek() {
            Some(Reverse((at, _, _))) if *at <= now => {
                let Reverse((_, _, id)) = self.held.pop()?;
                self.counters.released += 1;
                Some(id)
            }
            _ => None,
        }
    }

    /// Every held packet, due or not, in release order (for shutting
    /// down: they are accepted at once).
    pub fn drain(&mut self) -> Vec<u32> {
        let mut ids = Vec::with_capacity(self.held.len());
        while let Some(Reverse((_, _, id))) = self.held.pop() {
            self.counters.released += 1;
            ids.push(id);
        }
        ids
    }

    /// Packets held now.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The counters so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }
}

/// The netlink side of `NFQUEUE` (`nfnetlink_queue`): messages to bind a
/// queue and configure it, verdicts, and parsing what the kernel sends
/// (packet notices, acknowledgements, errors). Byte layouts follow
/// `linux/netlink.h`, `linux/netfilter/nfnetlink.h` and
/// `linux/netfilter/nfnetlink_queue.h`: netlink headers and attribute
/// headers in host byte order, the queue's own fields big-endian.
pub mod nfq {
    /// `NETLINK_NETFILTER`, the protocol of the socket.
    pub const NETLINK_NETFILTER: i32 = 12;
    /// Verdict: drop the packet.
    pub const NF_DROP: u32 = 0;
    /// Verdict: let the packet go on.
    pub const NF_ACCEPT: u32 = 1;
    /// Copy mode: only metadata (the packet id), no payload.
    pub const COPY_META: u8 = 1;
    /// Copy mode: metadata and up to `copy_range` bytes of payload.
    pub const COPY_PACKET: u8 = 2;
    /// Queue flag: accept packets instead of dropping them when the
    /// queue is full.
    pub const FLAG_FAIL_OPEN: u32 = 1;

    const NLMSG_HDRLEN: usize = 16;
    const NFGENMSG_LEN: usize = 4;
    const NLA_HDRLEN: usize = 4;
    const NLMSG_NOOP: u16 = 1;
    const NLMSG_ERROR: u16 = 2;
    const NLMSG_DONE: u16 = 3;
    const NLMSG_OVERRUN: u16 = 4;
    const NLM_F_REQUEST: u16 = 1;
    const NLM_F_ACK: u16 = 4;
    const NLA_TYPE_MASK: u16 = 0x3fff;
    const NFNL_SUBSYS_QUEUE: u16 = 3;
    const NFQNL_MSG_PACKET: u16 = 0;
    const NFQNL_MSG_VERDICT: u16 = 1;
    const NFQNL_MSG_CONFIG: u16 = 2;
    const NFQA_PACKET_HDR: u16 = 1;
    const NFQA_VERDICT_HDR: u16 = 2;
    const NFQA_CFG_CMD: u16 = 1;
    const NFQA_CFG_PARAMS: u16 = 2;
    const NFQA_CFG_QUEUE_MAXLEN: u16 = 3;
    const NFQA_CFG_MASK: u16 = 4;
    const NFQA_CFG_FLAGS: u16 = 5;
    const CMD_BIND: u8 = 1;
    const CMD_UNBIND: u8 = 2;

    fn align4(n: usize) -> usize {
        n.div_ceil(4) * 4
    }

    /// Appends one netlink message of the queue subsystem: header,
    /// `nfgenmsg` for `queue`, then `attributes` (type, payload).
    fn push_message(
        out: &mut Vec<u8>,
        kind: u16,
        flags: u16,
        seq: u32,
        queue: u16,
        attributes: &[(u16, &[u8])],
    ) {
        let start = out.len();
        out.extend_from_slice(&[0; NLMSG_HDRLEN]);
        // nfgenmsg: family AF_UNSPEC, version NFNETLINK_V0, res_id (BE).
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&queue.to_be_bytes());
        for (attr_type, payload) in attributes {
            let len = NLA_HDRLEN + payload.len();
            out.extend_from_slice(&(len as u16).to_ne_bytes());
            out.extend_from_slice(&attr_type.to_ne_bytes());
            out.extend_from_slice(payload);
            out.resize(out.len() + (align4(len) - len), 0);
        }
        let len = (out.len() - start) as u32;
        let header = &mut out[start..start + NLMSG_HDRLEN];
        header[0..4].copy_from_slice(&len.to_ne_bytes());
        header[4..6].copy_from_slice(&((NFNL_SUBSYS_QUEUE << 8) | kind).to_ne_bytes());
        header[6..8].copy_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
        header[8..12].copy_from_slice(&seq.to_ne_bytes());
        // nlmsg_pid 0: the kernel fills in the sender.
    }

    fn command(seq: u32, queue: u16, command: u8) -> Vec<u8> {
        let mut out = Vec::new();
        // nfqnl_msg_config_cmd: command, pad, pf (BE, unused since 3.8).
        let cmd = [command, 0, 0, 0];
        push_message(
            &mut out,
            NFQNL_MSG_CONFIG,
            NLM_F_ACK,
            seq,
            queue,
            &[(NFQA_CFG_CMD, &cmd)],
        );
        out
    }

    /// Binds `queue` to the sending socket (acknowledged).
    pub fn bind(seq: u32, queue: u16) -> Vec<u8> {
        command(seq, queue, CMD_BIND)
    }

    /// Unbinds `queue` (acknowledged).
    pub fn unbind(seq: u32, queue: u16) -> Vec<u8> {
        command(seq, queue, CMD_UNBIND)
    }

    /// Sets the copy mode and range, the kernel queue's maximum length and
    /// its flags (`mask` says which flags to change), acknowledged.
    pub fn configure(
        seq: u32,
        queue: u16,
        copy_mode: u8,
        copy_range: u32,
        max_len: u32,
        flags: u32,
        mask: u32,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        // nfqnl_msg_config_params (packed): copy_range (BE), copy_mode.
        let mut params = copy_range.to_be_bytes().to_vec();
        params.push(copy_mode);
        let max_len = max_len.to_be_bytes();
        let flags = flags.to_be_bytes();
        let mask = mask.to_be_bytes();
        push_message(
            &mut out,
            NFQNL_MSG_CONFIG,
            NLM_F_ACK,
            seq,
            queue,
            &[
                (NFQA_CFG_PARAMS, &params),
                (NFQA_CFG_QUEUE_MAXLEN, &max_len),
                (NFQA_CFG_FLAGS, &flags),
                (NFQA_CFG_MASK, &mask),
            ],
        );
        out
    }

    /// Appends a verdict for packet `id` of `queue` (not acknowledged;
    /// the kernel reports only failures). Several verdicts may go in one
    /// send, each decided on its own, in any order of ids.
    pub fn push_verdict(out: &mut Vec<u8>, seq: u32, queue: u16, id: u32, verdict: u32) {
        // nfqnl_msg_verdict_hdr: verdict, id (both BE).
        let mut header = [0u8; 8];
        header[..4].copy_from_slice(&verdict.to_be_bytes());
        header[4..].copy_from_slice(&id.to_be_bytes());
        push_message(
            out,
            NFQNL_MSG_VERDICT,
            0,
            seq,
            queue,
            &[(NFQA_VERDICT_HDR, &header)],
        );
    }

    /// One thing the kernel said.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Event {
        /// A packet waits for a verdict.
        Packet {
            /// The queue it is in.
            queue: u16,
            /// Its id, for the verdict.
            id: u32,
        },
        /// Request `seq` succeeded.
        Ack {
            /// The request's sequence number.
            seq: u32,
        },
        /// Request `seq` failed with `errno` (positive).
        Error {
            /// The request's sequence number.
            seq: u32,
            /// The error number.
            errno: i32,
        },
        /// A message of no interest (a no-op, done, overrun, another
        /// subsystem or type).
        Other {
            /// Its netlink type.
            kind: u16,
        },
        /// Bytes that are not a valid message; parsing stopped there.
        Malformed(String),
    }

    fn u16_ne(bytes: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_ne_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
    }

    fn u32_ne(bytes: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_ne_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    }

    fn u32_be(bytes: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    }

    /// Attributes of a message body as (type without flags, payload);
    /// `Err` on a bad attribute length.
    fn attributes(mut body: &[u8]) -> Result<Vec<(u16, &[u8])>, String> {
        let mut out = Vec::new();
        while body.len() >= NLA_HDRLEN {
            let len = usize::from(u16_ne(body, 0).unwrap_or(0));
            let kind = u16_ne(body, 2).unwrap_or(0) & NLA_TYPE_MASK;
            if len < NLA_HDRLEN || len > body.len() {
                return Err(format!(
                    "attribute length {len} with {} bytes left",
                    body.len()
                ));
            }
            out.push((kind, &body[NLA_HDRLEN..len]));
            body = body.get(align4(len)..).unwrap_or_default();
        }
        Ok(out)
    }

    fn packet_event(payload: &[u8]) -> Event {
        let queue = payload
            .get(2..4)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
        let Some(attrs) = payload.get(NFGENMSG_LEN..) else {
            return Event::Malformed("packet notice without nfgenmsg".to_string());
        };
        let attrs = match attributes(attrs) {
            Ok(attrs) => attrs,
            Err(error) => return Event::Malformed(format!("packet notice: {error}")),
        };
        // nfqnl_msg_packet_hdr: packet_id (BE), hw_protocol, hook.
        match attrs
            .iter()
            .find(|(kind, _)| *kind == NFQA_PACKET_HDR)
            .and_then(|(_, value)| u32_be(value, 0))
        {
            Some(id) => Event::Packet { queue, id },
            None => Event::Malformed("packet notice without a packet header".to_string()),
        }
    }

    /// Everything in one datagram read from the socket, in order. Never
    /// panics: bad lengths end the list with [`Event::Malformed`].
    pub fn parse(mut buf: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        while !buf.is_empty() {
            let (Some(len), Some(kind)) = (u32_ne(buf, 0), u16_ne(buf, 4)) else {
                events.push(Event::Malformed(format!(
                    "{} trailing bytes, too short for a header",
                    buf.len()
                )));
                break;
            };
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            if len < NLMSG_HDRLEN || len > buf.len() {
                events.push(Event::Malformed(format!(
                    "message length {len} with {} bytes left",
                    buf.len()
                )));
                break;
            }
            let seq = u32_ne(buf, 8).unwrap_or(0);
            let payload = &buf[NLMSG_HDRLEN..len];
            let event = match kind {
                NLMSG_ERROR => match u32_ne(payload, 0) {
                    // struct nlmsgerr: a negative errno, or 0 for an ack,
                    // then the request's header (its seq at offset 8).
                    Some(error) => {
                        let seq = u32_ne(payload, 4 + 8).unwrap_or(seq);
                        let error = error as i32;
                        if error == 0 {
                            Event::Ack { seq }
                        } else {
                            Event::Error {
                                seq,
                                errno: error.saturating_neg(),
                            }
                        }
                    }
                    None => Event::Malformed("error message without an error code".to_string()),
                },
                NLMSG_NOOP | NLMSG_DONE | NLMSG_OVERRUN => Event::Other { kind },
                k if k == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET => packet_event(payload),
                other => Event::Other { kind: other },
            };
            let malformed = matches!(event, Event::Malformed(_));
            events.push(event);
            if malformed {
                break;
            }
            buf = buf.get(align4(len)..).unwrap_or_default();
        }
        events
    }

    /// A packet notice as the kernel would send it (for tests).
    pub fn packet_notice(seq: u32, queue: u16, id: u32) -> Vec<u8> {
        let mut out = Vec::new();
        // packet_id, hw_protocol 0x0800 (IPv4), hook 3 (LOCAL_OUT).
        let mut header = id.to_be_bytes().to_vec();
        header.extend_from_slice(&[0x08, 0x00, 3]);
        push_message(
            &mut out,
            NFQNL_MSG_PACKET,
            0,
            seq,
            queue,
            &[(NFQA_PACKET_HDR, &header)],
        );
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn verdicts_have_the_kernel_layout() {
            let mut out = Vec::new();
            push_verdict(&mut out, 9, 7, 0x0102_0304, NF_ACCEPT);
            assert_eq!(out.len(), 32);
            assert_eq!(u32_ne(&out, 0), Some(32));
            assert_eq!(u16_ne(&out, 4), Some(0x0301));
            assert_eq!(u16_ne(&out, 6), Some(NLM_F_REQUEST));
            assert_eq!(u32_ne(&out, 8), Some(9));
            // nfgenmsg: AF_UNSPEC, v0, queue 7 big-endian.
            assert_eq!(&out[16..20], &[0, 0, 0, 7]);
            // Attribute: length 12, NFQA_VERDICT_HDR, verdict, id.
            assert_eq!(u16_ne(&out, 20), Some(12));
            assert_eq!(u16_ne(&out, 22), Some(NFQA_VERDICT_HDR));
            assert_eq!(&out[24..32], &[0, 0, 0, 1, 1, 2, 3, 4]);
        }

        #[test]
        fn configuration_attributes_are_padded() {
            let out = configure(3, 7, COPY_META, 0, 4096, 0, FLAG_FAIL_OPEN);
            // 16 + 4 + (4 + 5 + 3 pad) + 8 + 8 + 8.
            assert_eq!(out.len(), 56);
            assert_eq!(u32_ne(&out, 0), Some(56));
            assert_eq!(u16_ne(&out, 6), Some(NLM_F_REQUEST | NLM_F_ACK));
            let attrs = attributes(&out[20..]).expect("attributes");
            let kinds: Vec<u16> = attrs.iter().map(|(k, _)| *k).collect();
            assert_eq!(
                kinds,
                [
                    NFQA_CFG_PARAMS,
                    NFQA_CFG_QUEUE_MAXLEN,
                    NFQA_CFG_FLAGS,
                    NFQA_CFG_MASK
                ]
            );
            assert_eq!(attrs[0].1, &[0, 0, 0, 0, COPY_META]);
            assert_eq!(u32_be(attrs[1].1, 0), Some(4096));
            let bind = bind(1, 7);
            assert_eq!(bind.len(), 28);
            assert_eq!(&bind[24..28], &[CMD_BIND, 0, 0, 0]);
        }

        #[test]
        fn packets_acks_and_errors_are_read() {
            let mut buf = packet_notice(0, 7, 42);
            buf.extend_from_slice(&packet_notice(0, 7, 43));
            // An ack of request 5 and an ENOENT for request 6.
            for (error, seq) in [(0i32, 5u32), (-2, 6)] {
                let mut msg = Vec::new();
                msg.extend_from_slice(&36u32.to_ne_bytes());
                msg.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
                msg.extend_from_slice(&0u16.to_ne_bytes());
                msg.extend_from_slice(&seq.to_ne_bytes());
                msg.extend_from_slice(&0u32.to_ne_bytes());
                msg.extend_from_slice(&error.to_ne_bytes());
                let mut echoed = [0u8; 16];
                echoed[8..12].copy_from_slice(&seq.to_ne_bytes());
                msg.extend_from_slice(&echoed);
                buf.extend_from_slice(&msg);
            }
            assert_eq!(
                parse(&buf),
                [
                    Event::Packet { queue: 7, id: 42 },
                    Event::Packet { queue: 7, id: 43 },
                    Event::Ack { seq: 5 },
                    Event::Error { seq: 6, errno: 2 },
                ]
            );
        }

        #[test]
        fn garbage_never_panics() {
            use rand::{Rng, SeedableRng};
            let mut rng = rand::rngs::StdRng::seed_from_u64(13);
            let valid = packet_notice(1, 7, 99);
            for round in 0..20_000 {
                let mut buf: Vec<u8> = if round % 2 == 0 {
                    let len = rng.random_range(0..200);
                    (0..len).map(|_| rng.random()).collect()
                } else {
                    // A valid notice with a few bytes changed or cut.
                    let mut buf = valid.clone();
                    for _ in 0..rng.random_range(1..4) {
                        let at = rng.random_range(0..buf.len());
                        buf[at] = rng.random();
                    }
                    buf.truncate(rng.random_range(0..=buf.len()));
                    buf
                };
                if round % 7 == 0 {
                    buf.extend_from_slice(&valid);
                }
                let _ = parse(&buf);
            }
            assert_eq!(
                parse(&[1, 2, 3]),
                [Event::Malformed(
                    "3 trailing bytes, too short for a header".to_string()
                )]
            );
            let mut too_long = valid.clone();
            too_long[0] = 200;
            assert!(matches!(parse(&too_long)[..], [Event::Malformed(_)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(loss: f64, max_held: usize, seed: u64) -> ImpairSchedule {
        ImpairSchedule::new(
            ImpairConfig {
                delay: Duration::from_millis(50),
                jitter: Duration::from_millis(5),
                loss,
                max_held,
                reorder: false,
            },
            seed,
        )
        .expect("valid config")
    }

    #[test]
    fn no_loss_drops_nothing_and_every_release_waits_the_delay() {
        let start = Instant::now();
        let mut s = schedule(0.0, 100_000, 1);
        for id in 0..10_000u32 {
            let arrival = start + Duration::from_micros(u64::from(id) * 100);
            match s.on_packet(id, arrival) {
                Decision::Release(at) => {
                    assert!(at >= arrival + Duration::from_millis(50), "packet {id}");
                }
                Decision::Drop(cause) => panic!("packet {id} dropped: {cause:?}"),
            }
        }
        let counters = s.counters();
        assert_eq!(counters.dropped_loss + counters.dropped_over_cap, 0);
        assert_eq!(s.held(), 10_000);
        // Nothing is due before the delay; everything is due after
        // delay + jitter, in arrival order (reordering is off).
        assert_eq!(s.pop_due(start + Duration::from_millis(49)), None);
        let mut released = Vec::new();
        while let Some(id) = s.pop_due(start + Duration::from_secs(2)) {
            released.push(id);
        }
        assert_eq!(released, (0..10_000).collect::<Vec<_>>());
        assert_eq!(s.counters().released, 10_000);
        assert_eq!(s.next_release(), None);
    }

    #[test]
    fn full_loss_drops_everything() {
        let now = Instant::now();
        let mut s = schedule(1.0, 10, 2);
        for id in 0..1000 {
            assert_eq!(s.on_packet(id, now), Decision::Drop(DropCause::Loss));
        }
        assert_eq!(s.counters().dropped_loss, 1000);
        assert_eq!(s.held(), 0);
        assert_eq!(s.next_release(), None);
    }

    #[test]
    fn partial_loss_is_near_its_rate_and_repeatable() {
        let now = Instant::now();
        let run = |seed| {
            let mut s = schedule(0.1, usize::MAX, seed);
            (0..20_000)
                .map(|id| s.on_packet(id, now))
                .filter(|d| matches!(d, Decision::Drop(_)))
                .count()
        };
        let dropped = run(7);
        assert!((1600..=2400).contains(&dropped), "{dropped}");
        assert_eq!(run(7), dropped, "the same seed gives the same drops");
    }

    #[test]
    fn the_held_packet_cap_is_respected() {
        let start = Instant::now();
        let mut s = schedule(0.0, 16, 3);
        for id in 0..100u32 {
            let decision = s.on_packet(id, start);
            if id < 16 {
                assert!(matches!(decision, Decision::Release(_)), "packet {id}");
            } else {
                assert_eq!(decision, Decision::Drop(DropCause::OverCap), "packet {id}");
            }
            assert!(s.held() <= 16);
        }
        assert_eq!(s.counters().dropped_over_cap, 84);
        assert_eq!(s.counters().max_held, 16);
        // Releasing makes room again.
        let later = start + Duration::from_secs(1);
        assert!(s.pop_due(later).is_some());
        assert!(matches!(s.on_packet(100, later), Decision::Release(_)));
        assert_eq!(s.held(), 16);
        assert_eq!(s.drain().len(), 16);
        assert_eq!(s.held(), 0);
    }

    #[test]
    fn jitter_reorders_only_when_allowed() {
        let start = Instant::now();
        let mut s = ImpairSchedule::new(
            ImpairConfig {
                delay: Duration::from_millis(10),
                jitter: Duration::from_millis(20),
                reorder: true,
                ..ImpairConfig::default()
            },
            4,
        )
        .expect("valid config");
        for id in 0..1000u32 {
            let arrival = start + Duration::from_micros(u64::from(id) * 10);
            match s.on_packet(id, arrival) {
                Decision::Release(at) => {
                    let extra = at - arrival;
                    assert!(extra >= Duration::from_millis(10), "{extra:?}");
                    assert!(extra <= Duration::from_millis(30), "{extra:?}");
                }
                other => panic!("{other:?}"),
            }
        }
        let order: Vec<u32> = std::iter::from_fn(|| s.pop_due(start + Duration::from_secs(1)))
            .take(1000)
            .collect();
        assert_eq!(order.len(), 1000);
        assert!(order.windows(2).any(|w| w[0] > w[1]), "jitter reordered");
    }

    #[test]
    fn bad_settings_are_refused() {
        for loss in [-0.1, 1.5, f64::NAN] {
            let config = ImpairConfig {
                loss,
                ..ImpairConfig::default()
            };
            assert!(ImpairSchedule::new(config, 0).is_err(), "{loss}");
        }
        let config = ImpairConfig {
            max_held: 0,
            ..ImpairConfig::default()
        };
        assert!(ImpairSchedule::new(config, 0).is_err());
    }

    #[test]
    fn counter_lines_round_trip() {
        let counters = Counters {
            queued: 10,
            released: 7,
            dropped_loss: 2,
            dropped_over_cap: 1,
            max_held: 5,
        };
        let line = format!("impair counters: {counters} enobufs=3");
        let parsed = parse_counter_line(&line);
        assert_eq!(parsed.get("queued"), Some(&10));
        assert_eq!(parsed.get("dropped_over_cap"), Some(&1));
        assert_eq!(parsed.get("enobufs"), Some(&3));
        assert_eq!(parsed.get("impair"), None);
    }
}
