//! KCP input path (docs/protocol.md §2): arbitrary packets fed to the
//! validated `KcpCore`, interleaved with clock advances, application
//! writes and reads, and flushes chosen by the fuzzer.
//!
//! Input: a sequence of operations. Each starts with an op byte:
//! - `0..=127`: a packet follows as `len (1 byte) + len bytes`; if the op
//!   byte is odd, bytes 0..4 are overwritten with the session's conv so the
//!   fuzzer reaches past the conv check.
//! - `128..=191`: advance the clock by `(op - 128) * 16` ms (time wraps).
//! - `192..=223`: the application writes `(op - 192) * 64` bytes.
//! - `224..=239`: the application reads up to 4 KiB.
//! - `240..=255`: flush and drain output.
//!
//! Checks: no panic (the crate runs with production settings, where
//! validation must keep it safe), and output packets never exceed the MTU.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snowflake_common::kcp::{KcpCore, MTU};

const CONV: u32 = 0x1122_3344;

fuzz_target!(|data: &[u8]| {
    let mut now: u32 = 0;
    let mut core = KcpCore::new(CONV, now);
    let mut buf = vec![0u8; 4096];
    let mut i = 0;
    while i < data.len() {
        let op = data[i];
        i += 1;
        match op {
            0..=127 => {
                let Some(&len) = data.get(i) else { break };
                i += 1;
                let end = (i + usize::from(len)).min(data.len());
                let mut packet = data[i..end].to_vec();
                i = end;
                if op % 2 == 1 && packet.len() >= 4 {
                    packet[..4].copy_from_slice(&CONV.to_le_bytes());
                }
                let _ = core.input(&packet, now);
                core.after_input(now);
            }
            128..=191 => now = now.wrapping_add(u32::from(op - 128) * 16),
            192..=223 => {
                let n = usize::from(op - 192) * 64;
                if core.writable() {
                    core.send(&buf[..n]);
                }
            }
            224..=239 => {
                if core.readable() {
                    core.recv(&mut buf);
                }
            }
            _ => core.flush(now),
        }
        core.drain_output(|p| assert!(p.len() <= MTU, "output packet over the MTU"));
    }
});
