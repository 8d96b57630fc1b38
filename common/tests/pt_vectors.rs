//! docs/protocol.md §11.6 (ExtORPort) and §11.9 (PT lines) test vectors.

use std::path::Path;

use snowflake_common::pt::args::{encode_client_args, parse_client_args, ArgsError, PtArgs};
use snowflake_common::pt::extorport::transport_side::{ExtOrClient, ExtOrProgress};
use snowflake_common::pt::extorport::{
    client_hash, encode_command, server_hash, AuthCookie, CMD_DENY, CMD_DONE, CMD_OKAY,
    CMD_TRANSPORT, CMD_USERADDR,
};
use snowflake_common::pt::socks::{tor_style_auth_fields, SocksHandshake};
use snowflake_common::pt::stdout::PtLine;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn extorport_command_bytes() {
    assert_eq!(
        encode_command(CMD_USERADDR, b"1.2.3.4:1").unwrap(),
        unhex("00 01 00 09 31 2e 32 2e 33 2e 34 3a 31")
    );
    assert_eq!(
        encode_command(CMD_USERADDR, b"[2001:db8::1]:1").unwrap(),
        unhex("00 01 00 0f 5b 32 30 30 31 3a 64 62 38 3a 3a 31 5d 3a 31")
    );
    assert_eq!(
        encode_command(CMD_TRANSPORT, b"snowflake").unwrap(),
        unhex("00 02 00 09 73 6e 6f 77 66 6c 61 6b 65")
    );
    assert_eq!(encode_command(CMD_DONE, b"").unwrap(), unhex("00 00 00 00"));
    assert_eq!(encode_command(CMD_OKAY, b"").unwrap(), unhex("10 00 00 00"));
    assert_eq!(encode_command(CMD_DENY, b"").unwrap(), unhex("10 01 00 00"));
}

fn vector_cookie() -> AuthCookie {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = i as u8;
    }
    AuthCookie::new(bytes)
}

#[test]
fn safe_cookie_hmac_vector() {
    let cookie = vector_cookie();
    assert_eq!(
        hex::encode(server_hash(&cookie, &[0xaa; 32], &[0xbb; 32])),
        "34a2f4df83ed4f9af94fffe0d29f0b6787179d05bb71ff4ea167691ea47ec949"
    );
    assert_eq!(
        hex::encode(client_hash(&cookie, &[0xaa; 32], &[0xbb; 32])),
        "38a6c9f8e1b622cc8809d7b2e1e148244da9a695d85ccf4b5d0b060d219bf095"
    );
}

#[test]
fn cookie_file_vector() {
    let cookie = vector_cookie();
    let expected = unhex(
        "2120457874656e646564204f52506f7274204175746820436f6f6b696520210a\
         000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    );
    assert_eq!(cookie.file_contents().to_vec(), expected);
    assert_eq!(
        AuthCookie::from_file_contents(&expected, Path::new("x")).unwrap(),
        cookie
    );
}

/// The whole client exchange with the §11.6 nonces, byte for byte.
#[test]
fn client_exchange_with_vector_nonces() {
    let mut client = ExtOrClient::new(
        vector_cookie(),
        [0xaa; 32],
        Some("1.2.3.4:1"),
        Some("snowflake"),
    )
    .unwrap();
    assert_eq!(
        client.receive(&[0x01, 0x00]).unwrap(),
        ExtOrProgress::NeedMore
    );
    let mut expected = vec![0x01];
    expected.extend([0xaa; 32]);
    assert_eq!(client.take_output(), expected);

    let mut hash_and_nonce =
        unhex("34a2f4df83ed4f9af94fffe0d29f0b6787179d05bb71ff4ea167691ea47ec949");
    hash_and_nonce.extend([0xbb; 32]);
    assert_eq!(
        client.receive(&hash_and_nonce).unwrap(),
        ExtOrProgress::NeedMore
    );
    assert_eq!(
        client.take_output(),
        unhex("38a6c9f8e1b622cc8809d7b2e1e148244da9a695d85ccf4b5d0b060d219bf095")
    );

    assert_eq!(client.receive(&[0x01]).unwrap(), ExtOrProgress::NeedMore);
    assert_eq!(
        client.take_output(),
        unhex(
            "00 01 00 09 31 2e 32 2e 33 2e 34 3a 31 \
             00 02 00 09 73 6e 6f 77 66 6c 61 6b 65 \
             00 00 00 00"
        )
    );
    assert_eq!(
        client.receive(&unhex("10 00 00 00")).unwrap(),
        ExtOrProgress::Done
    );
    assert!(client.is_done());
    assert!(client.take_output().is_empty());
}

#[test]
fn pt_lines() {
    let client = [
        PtLine::Version,
        PtLine::StatusVersion {
            implementation: "snowflake-client".into(),
            version: "2.14.1".into(),
        },
        PtLine::Cmethod {
            name: "snowflake".into(),
            addr: "127.0.0.1:40123".parse().unwrap(),
        },
        PtLine::CmethodsDone,
    ];
    let text: String = client.iter().map(PtLine::to_line).collect();
    assert_eq!(
        text,
        "VERSION 1\n\
         STATUS TYPE=version IMPLEMENTATION=\"snowflake-client\" VERSION=\"2.14.1\"\n\
         CMETHOD snowflake socks5 127.0.0.1:40123\n\
         CMETHODS DONE\n"
    );

    let args: PtArgs = [("tls", "yes"), ("hostname", "snowflake.example")]
        .into_iter()
        .collect();
    let server = [
        PtLine::Version,
        PtLine::Smethod {
            name: "snowflake".into(),
            addr: "0.0.0.0:443".parse().unwrap(),
            args: Some(args),
        },
        PtLine::SmethodsDone,
    ];
    let text: String = server.iter().map(PtLine::to_line).collect();
    assert_eq!(
        text,
        "VERSION 1\n\
         SMETHOD snowflake 0.0.0.0:443 ARGS:hostname=snowflake.example,tls=yes\n\
         SMETHODS DONE\n"
    );
}

#[test]
fn arg_parsing_examples() {
    let args = parse_client_args(br"a=b\;c;d=e\\f").unwrap();
    assert_eq!(args.get("a"), Some("b;c"));
    assert_eq!(args.get("d"), Some(r"e\f"));
    assert!(matches!(
        parse_client_args(b"=x"),
        Err(ArgsError::EmptyKey(_))
    ));
    assert!(matches!(
        parse_client_args(b"abc"),
        Err(ArgsError::MissingEquals(_))
    ));
}

const ICE: &str = "stun:stun.antisip.com:3478,stun:stun.epygi.com:3478,stun:stun.uls.co.za:3478,\
stun:stun.voipgate.com:3478,stun:stun.mixvoip.com:3478,stun:stun.nextcloud.com:3478,\
stun:stun.bethesda.net:3478,stun:stun.nextcloud.com:443";

fn bridge_line_args() -> PtArgs {
    [
        ("fingerprint", "2B280B23E1107BB62ABFC40DDCC8824814F80A72"),
        ("url", "https://1098762253.rsc.cdn77.org/"),
        ("fronts", "www.cdn77.com,www.phpmyadmin.net"),
        ("ice", ICE),
        ("utls-imitate", "hellorandomizedalpn"),
    ]
    .into_iter()
    .collect()
}

#[test]
fn bridge_line_args_encoding() {
    let encoded = encode_client_args(&bridge_line_args());
    assert_eq!(
        encoded,
        format!(
            "fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72;\
             url=https://1098762253.rsc.cdn77.org/;\
             fronts=www.cdn77.com,www.phpmyadmin.net;ice={ICE};\
             utls-imitate=hellorandomizedalpn"
        )
    );
    assert!(encoded.len() > 255);
    assert_eq!(
        parse_client_args(encoded.as_bytes()).unwrap(),
        bridge_line_args()
    );
}

/// The >255-byte bridge-line arguments arrive split across UNAME and PASSWD
/// and are joined back before parsing.
#[test]
fn bridge_line_args_span_uname_and_passwd() {
    let encoded = encode_client_args(&bridge_line_args());
    let (uname, passwd) = tor_style_auth_fields(encoded.as_bytes()).unwrap();
    assert_eq!(uname.len(), 255);
    assert_eq!(passwd.len(), encoded.len() - 255);

    let mut bytes = vec![0x05, 0x01, 0x02, 0x01, 255];
    bytes.extend(&uname);
    bytes.push(u8::try_from(passwd.len()).unwrap());
    bytes.extend(&passwd);
    bytes.extend([0x05, 0x01, 0x00, 0x01, 192, 0, 2, 3, 0, 80]);

    let mut socks = SocksHandshake::new();
    let request = socks.receive(&bytes).unwrap().expect("request");
    assert_eq!(socks.take_output(), [0x05, 0x02, 0x01, 0x00]);
    assert_eq!(request.args, bridge_line_args());
    assert_eq!(request.args.get("ice"), Some(ICE));
    assert_eq!(request.target.to_string(), "192.0.2.3:80");
}
