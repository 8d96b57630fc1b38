//! WebRTC fixtures: a fixed SDP offer that pion (the Go WebRTC stack in
//! Debian's Snowflake programs) accepts, and SDP checks.

/// A data-channel-only WebRTC offer, as a Snowflake client sends: one
/// `m=application` section with ICE credentials, a DTLS fingerprint,
/// `setup:actpass`, an SCTP port, and one host candidate at
/// `127.0.0.1:candidate_port`. Lines end with CRLF.
///
/// No DTLS key stands behind the fingerprint, so a connection never
/// completes; it is enough for a peer to parse the offer and answer it.
pub fn loopback_offer_sdp(candidate_port: u16) -> String {
    let fingerprint = "7B:3D:A2:5A:11:5C:0E:5D:6F:48:2C:0D:AE:91:7A:80:1F:2B:3C:4D:5E:6F:70:81:92:A3:B4:C5:D6:E7:F8:09";
    [
        "v=0".to_string(),
        "o=- 4215775240449105457 2 IN IP4 127.0.0.1".to_string(),
        "s=-".to_string(),
        "t=0 0".to_string(),
        "a=group:BUNDLE 0".to_string(),
        "a=msid-semantic: WMS".to_string(),
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel".to_string(),
        "c=IN IP4 127.0.0.1".to_string(),
        format!("a=candidate:1 1 udp 2130706431 127.0.0.1 {candidate_port} typ host"),
        "a=ice-ufrag:sfTk".to_string(),
        "a=ice-pwd:snowflaketestkitpassword0".to_string(),
        "a=ice-options:trickle".to_string(),
        format!("a=fingerprint:sha-256 {fingerprint}"),
        "a=setup:actpass".to_string(),
        "a=mid:0".to_string(),
        "a=sctp-port:5000".to_string(),
        "a=max-message-size:262144".to_string(),
        String::new(),
    ]
    .join("\r\n")
}

/// The `a=candidate` lines of an SDP.
pub fn candidate_lines(sdp: &str) -> Vec<&str> {
    sdp.lines()
        .map(str::trim_end)
        .filter(|line| line.starts_with("a=candidate:"))
        .collect()
}

/// Whether `sdp` looks like a data-channel answer: a version line, an
/// `m=application` section and at least one candidate.
pub fn is_datachannel_answer(sdp: &str) -> bool {
    sdp.starts_with("v=0")
        && sdp.lines().any(|l| l.starts_with("m=application"))
        && !candidate_lines(sdp).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_shape() {
        let sdp = loopback_offer_sdp(4242);
        assert!(sdp.contains("\r\na=candidate:1 1 udp 2130706431 127.0.0.1 4242 typ host\r\n"));
        assert!(sdp.contains("a=setup:actpass\r\n"));
        assert!(sdp.contains("a=sctp-port:5000\r\n"));
        assert_eq!(candidate_lines(&sdp).len(), 1);
        assert!(is_datachannel_answer(&sdp));
        assert!(!is_datachannel_answer("v=0\r\nm=application 9\r\n"));
    }
}
