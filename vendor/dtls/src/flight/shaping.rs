//! Snowflake patch: where the flights consult the hello shaper
//! (`crate::shaper`). Kept in one file so that the flights change little.

use super::*;
use crate::config::ExtendedMasterSecretType;
use crate::content::Content;
use crate::curve::named_curve::NamedCurve;
use crate::extension::extension_supported_elliptic_curves::ExtensionSupportedEllipticCurves;
use crate::extension::extension_supported_point_formats::{
    ExtensionSupportedPointFormats, ELLIPTIC_CURVE_POINT_FORMAT_UNCOMPRESSED,
};
use crate::extension::extension_use_extended_master_secret::ExtensionUseExtendedMasterSecret;
use crate::extension::extension_use_srtp::{ExtensionUseSrtp, SrtpProtectionProfile};
use crate::extension::renegotiation_info::ExtensionRenegotiationInfo;
use crate::extension::Extension;
use crate::handshake::handshake_message_client_hello::HandshakeMessageClientHello;
use crate::handshake::{Handshake, HandshakeMessage};
use crate::record_layer::record_layer_header::PROTOCOL_VERSION1_2;
use crate::shaper::*;

fn internal_error(err: Option<Error>) -> (Option<Alert>, Option<Error>) {
    (
        Some(Alert {
            alert_level: AlertLevel::Fatal,
            alert_description: AlertDescription::InternalError,
        }),
        err,
    )
}

fn raw_extensions(extensions: &[Extension]) -> Result<Vec<RawExtension>, Error> {
    extensions
        .iter()
        .map(RawExtension::from_extension)
        .collect()
}

/// The ClientHello packet when a shaper is set: computed from the stack's
/// own hello on a fresh handshake (`fresh`), otherwise the cached one (the
/// hello that answers a HelloVerifyRequest must be the same hello).
pub(crate) fn shaped_client_hello(
    state: &mut State,
    cfg: &HandshakeConfig,
    stack_extensions: &[Extension],
    fresh: bool,
) -> Option<Result<Vec<Packet>, (Option<Alert>, Option<Error>)>> {
    let shaper = cfg.hello_shaper.as_ref()?;
    if fresh || state.shaped_client_hello.is_none() {
        let extensions = match raw_extensions(stack_extensions) {
            Ok(e) => e,
            Err(err) => return Some(Err(internal_error(Some(err)))),
        };
        let default = ClientHelloParts {
            record_version: PROTOCOL_VERSION1_2,
            cipher_suites: cfg.local_cipher_suites.iter().map(|c| *c as u16).collect(),
            extensions,
        };
        state.shaped_client_hello = Some(shaper.client_hello(default));
    }
    let parts = state.shaped_client_hello.clone()?;
    let hello = ShapedClientHello {
        version: PROTOCOL_VERSION1_2,
        random: state.local_random.clone(),
        cookie: state.cookie.clone(),
        parts,
    };
    Some(Ok(vec![Packet {
        record: RecordLayer::new(
            hello.parts.record_version,
            0,
            Content::Handshake(Handshake::new(HandshakeMessage::ShapedClientHello(hello))),
        ),
        should_encrypt: false,
        reset_local_sequence_number: false,
    }]))
}

/// The ServerHello extensions the stack itself would send, in its order.
pub(crate) fn stack_server_hello_extensions(
    state: &State,
    cfg: &HandshakeConfig,
) -> Vec<Extension> {
    let mut extensions = vec![Extension::RenegotiationInfo(ExtensionRenegotiationInfo {
        renegotiated_connection: 0,
    })];
    if (cfg.extended_master_secret == ExtendedMasterSecretType::Request
        || cfg.extended_master_secret == ExtendedMasterSecretType::Require)
        && state.extended_master_secret
    {
        extensions.push(Extension::UseExtendedMasterSecret(
            ExtensionUseExtendedMasterSecret { supported: true },
        ));
    }
    if state.srtp_protection_profile != SrtpProtectionProfile::Unsupported {
        extensions.push(Extension::UseSrtp(ExtensionUseSrtp {
            protection_profiles: vec![state.srtp_protection_profile],
        }));
    }
    if cfg.local_psk_callback.is_none() {
        extensions.extend_from_slice(&[
            Extension::SupportedEllipticCurves(ExtensionSupportedEllipticCurves {
                elliptic_curves: vec![NamedCurve::P256, NamedCurve::X25519, NamedCurve::P384],
            }),
            Extension::SupportedPointFormats(ExtensionSupportedPointFormats {
                point_formats: vec![ELLIPTIC_CURVE_POINT_FORMAT_UNCOMPRESSED],
            }),
        ]);
    }
    extensions
}

/// The peer's ClientHello in raw form.
pub(crate) fn peer_hello(client_hello: &HandshakeMessageClientHello) -> PeerHello {
    PeerHello {
        cipher_suites: client_hello
            .cipher_suites
            .iter()
            .map(|c| *c as u16)
            .collect(),
        extensions: client_hello
            .extensions
            .iter()
            .filter_map(|e| RawExtension::from_extension(e).ok())
            .collect(),
    }
}

/// Server side, once the ClientHello is parsed and before the key pair is
/// made: the shaper's group choice, then the server flight, whose random
/// tail goes into our random now, before anything signs it. Returns whether
/// the HelloVerifyRequest is skipped.
pub(crate) fn shape_server_flight(
    state: &mut State,
    cfg: &HandshakeConfig,
    client_hello: &HandshakeMessageClientHello,
) -> Result<bool, (Option<Alert>, Option<Error>)> {
    let Some(shaper) = cfg.hello_shaper.as_ref() else {
        return Ok(false);
    };
    let peer = peer_hello(client_hello);
    let offered = peer.supported_groups();
    if let Some(group) = shaper.select_group(&offered) {
        let curve = NamedCurve::from(group);
        if offered.contains(&group) && curve != NamedCurve::Unsupported {
            state.named_curve = curve;
        }
    }

    let stack_extensions = raw_extensions(&stack_server_hello_extensions(state, cfg))
        .map_err(|e| internal_error(Some(e)))?;
    let default = ServerFlightParts {
        session_id: vec![],
        server_hello_extensions: stack_extensions.clone(),
        random_tail: None,
        certificate_types: vec![1, 64],
        certificate_request_signature_algorithms: cfg
            .local_signature_schemes
            .iter()
            .map(|s| ((s.hash as u16) << 8) | s.signature as u16)
            .collect(),
    };
    let parts = shaper.server_flight(default, &peer);

    // What the stack acts on must still be said exactly as negotiated.
    for typ in [
        EXT_EXTENDED_MASTER_SECRET,
        EXT_USE_SRTP,
        EXT_RENEGOTIATION_INFO,
    ] {
        let ours = stack_extensions.iter().find(|e| e.typ == typ);
        let shaped = parts.server_hello_extensions.iter().find(|e| e.typ == typ);
        if ours != shaped {
            return Err(internal_error(Some(Error::Other(format!(
                "hello shaper changed ServerHello extension {typ:#06x}"
            )))));
        }
    }
    // Nothing beyond the stack's own that the peer did not offer.
    for ext in &parts.server_hello_extensions {
        let stacks = stack_extensions.iter().any(|e| e.typ == ext.typ);
        if !stacks && peer.extension(ext.typ).is_none() {
            return Err(internal_error(Some(Error::Other(format!(
                "hello shaper added ServerHello extension {:#06x} the peer did not offer",
                ext.typ
            )))));
        }
    }
    if let Some(tail) = parts.random_tail {
        state.local_random.random_bytes[20..28].copy_from_slice(&tail);
    }
    state.shaped_server_flight = Some(parts);
    Ok(shaper.skip_hello_verify())
}
