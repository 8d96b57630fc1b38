//! Steps of the offer/answer exchange that both WebRTC backends take the
//! same way, whatever library sits underneath: the check of the remote
//! description's type, the ICE server entry, the wait for ICE gathering,
//! the SDP we send, the wait for the data channel to open, and the ICE
//! state mapping.

use std::future::Future;

use snowflake_common::messages::{SdpType, SessionDescription};

use crate::channel::StatusSender;
use crate::config::RtcConfig;
use crate::error::RtcError;
use crate::sdp::strip_local_addresses;

/// Checks that a received session description is of the expected type.
pub(crate) fn expect_type(desc: &SessionDescription, expected: SdpType) -> Result<(), RtcError> {
    if desc.sdp_type == expected {
        Ok(())
    } else {
        Err(RtcError::WrongSdpType {
            expected,
            got: desc.sdp_type,
        })
    }
}

/// The URLs of the one ICE server entry a peer is configured with, or
/// `None` when no ICE server is configured (loopback mode).
pub(crate) fn ice_server_urls(config: &RtcConfig) -> Option<Vec<String>> {
    let urls = config.ice_servers();
    (!urls.is_empty()).then(|| urls.to_vec())
}

/// Waits for `gathered` (ICE gathering complete), giving up after the
/// configured limit, if any: then the candidates found so far are sent.
pub(crate) async fn wait_for_gathering<F: Future>(config: &RtcConfig, gathered: F) {
    match config.gathering_timeout() {
        Some(limit) => {
            if tokio::time::timeout(limit, gathered).await.is_err() {
                tracing::info!("ICE gathering not complete, sending what we have");
            }
        }
        None => {
            gathered.await;
        }
    }
}

/// The SDP to send for the local description `local`: stripped of local
/// addresses unless configured to keep them.
pub(crate) fn sdp_to_send(config: &RtcConfig, local: Option<String>) -> Result<String, RtcError> {
    let local = local.ok_or_else(|| RtcError::Backend("no local description".into()))?;
    Ok(if config.strips_local_addresses() {
        strip_local_addresses(&local)
    } else {
        local
    })
}

/// Waits for `opened` (the data channel opening, or the next event before
/// it). Fails with [`RtcError::FailedBeforeOpen`] if `opened` yields
/// nothing or the connection fails or closes first.
pub(crate) async fn until_open<T, F>(opened: F, status: &StatusSender) -> Result<T, RtcError>
where
    F: Future<Output = Option<T>>,
{
    let mut events = status.subscribe();
    tokio::select! {
        opened = opened => opened.ok_or(RtcError::FailedBeforeOpen),
        _ = events.closed() => Err(RtcError::FailedBeforeOpen),
    }
}

/// Maps a webrtc-rs `RTCIceConnectionState` (0.17 and 0.21 name their
/// states alike; pass the type's name in scope) to an
/// [`IceState`](crate::channel::IceState), or `None` for `Unspecified` and
/// any state a later version adds.
#[cfg_attr(
    not(any(feature = "webrtc17", feature = "webrtc21")),
    allow(unused_macros)
)]
macro_rules! ice_state_of {
    ($state:expr, $webrtc_state:ident) => {{
        use $crate::channel::IceState;
        #[allow(unreachable_patterns)]
        match $state {
            $webrtc_state::New => Some(IceState::New),
            $webrtc_state::Checking => Some(IceState::Checking),
            $webrtc_state::Connected => Some(IceState::Connected),
            $webrtc_state::Completed => Some(IceState::Completed),
            $webrtc_state::Disconnected => Some(IceState::Disconnected),
            $webrtc_state::Failed => Some(IceState::Failed),
            $webrtc_state::Closed => Some(IceState::Closed),
            _ => None,
        }
    }};
}
#[cfg_attr(
    not(any(feature = "webrtc17", feature = "webrtc21")),
    allow(unused_imports)
)]
pub(crate) use ice_state_of;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::channel::IceState;

    const SDP_WITH_LOCAL: &str = "v=0\r\n\
        a=candidate:1 1 udp 2130706431 192.168.1.2 5000 typ host\r\n\
        a=candidate:2 1 udp 1694498815 203.0.113.5 5000 typ srflx raddr 0.0.0.0 rport 5000\r\n";

    #[test]
    fn no_ice_server_entry_without_urls() {
        assert_eq!(ice_server_urls(&RtcConfig::default()), None);
        let config = RtcConfig::default().with_ice_servers(["stun:stun.example:3478"]);
        assert_eq!(
            ice_server_urls(&config),
            Some(vec!["stun:stun.example:3478".to_owned()])
        );
        assert_eq!(ice_server_urls(&RtcConfig::loopback()), None);
    }

    #[test]
    fn sent_sdp_is_stripped_unless_kept() {
        let stripped = sdp_to_send(&RtcConfig::default(), Some(SDP_WITH_LOCAL.into())).unwrap();
        assert!(!stripped.contains("192.168.1.2"), "{stripped}");
        assert!(stripped.contains("203.0.113.5"), "{stripped}");
        let kept = RtcConfig::default().with_keep_local_addresses(true);
        assert_eq!(
            sdp_to_send(&kept, Some(SDP_WITH_LOCAL.into())).unwrap(),
            SDP_WITH_LOCAL
        );
        assert!(matches!(
            sdp_to_send(&kept, None),
            Err(RtcError::Backend(_))
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn gathering_wait_gives_up_at_the_limit() {
        let config = RtcConfig::default().with_gathering_timeout(Duration::from_secs(3));
        let started = tokio::time::Instant::now();
        wait_for_gathering(&config, std::future::pending::<()>()).await;
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        wait_for_gathering(&RtcConfig::default(), async {}).await;
    }

    #[tokio::test]
    async fn open_wait_fails_when_the_connection_closes_first() {
        let status = StatusSender::new();
        assert_eq!(until_open(async { Some(7) }, &status).await, Ok(7));
        assert_eq!(
            until_open(async { None::<u8> }, &status).await,
            Err(RtcError::FailedBeforeOpen)
        );
        status.set_ice(IceState::Failed);
        assert_eq!(
            until_open(std::future::pending::<Option<u8>>(), &status).await,
            Err(RtcError::FailedBeforeOpen)
        );
    }
}
