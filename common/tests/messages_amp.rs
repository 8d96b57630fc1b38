//! AMP cache rendezvous encodings (docs/protocol.md §4.6, vectors §11.8).

use proptest::prelude::*;
use snowflake_common::amp::{
    cache_url, client_poll_url, decode_armor, decode_path, domain_prefix, encode_armor,
    encode_armor_elements, encode_path, encode_path_random, AmpPathError, ArmorDecodeError,
    CacheUrlError, ARMOR_HTML_HEAD, ARMOR_HTML_TAIL, ARMOR_INPUT_LIMIT, ELEMENT_SIZE_LIMIT,
};

const NO_PROXIES: &[u8] = br#"{"error":"no snowflake proxies currently available"}"#;

#[test]
fn path_vector_11_8() {
    let path = encode_path(b"1.0\n{}", &[0; 9]);
    assert_eq!(path, "0AAAAAAAAAAAA/MS4wCnt9");
    assert_eq!(decode_path(&path).unwrap(), b"1.0\n{}");
}

#[test]
fn path_decoding_rules() {
    assert_eq!(decode_path(""), Err(AmpPathError::MissingFormatIndicator));
    assert_eq!(
        decode_path("1AAAAAAAAAAAA/MS4wCnt9"),
        Err(AmpPathError::UnknownFormatIndicator('1'))
    );
    assert_eq!(
        decode_path("\u{e9}/MS4wCnt9"),
        Err(AmpPathError::UnknownFormatIndicator('\u{e9}'))
    );
    assert_eq!(decode_path("0AAAAAAAAAAAA"), Err(AmpPathError::MissingData));
    // Everything up to the last slash is ignored.
    assert_eq!(decode_path("0/MS4wCnt9").unwrap(), b"1.0\n{}");
    assert_eq!(decode_path("0a/b/c/MS4wCnt9").unwrap(), b"1.0\n{}");
    assert_eq!(decode_path("0/").unwrap(), b"");
    // URL-safe alphabet, no padding.
    assert_eq!(decode_path("0/-_8").unwrap(), [0xfb, 0xff]);
    for bad in ["0/+/8", "0/QQ==", "0/Q", "0/M S4w"] {
        assert!(
            matches!(decode_path(bad), Err(AmpPathError::Base64(_))),
            "{bad}"
        );
    }
}

#[test]
fn random_cache_breaker() {
    let a = encode_path_random(b"x");
    let b = encode_path_random(b"x");
    assert_ne!(a, b);
    assert_eq!(a.len(), "0AAAAAAAAAAAA/eA".len());
    assert_eq!(decode_path(&a).unwrap(), b"x");
}

#[test]
fn armor_vector_11_8() {
    let expected = "<pre>\n0eyJlcnJvciI6Im5vIHNub3dmbGFrZSB\nwcm94aWVzIGN1cnJlbnRseSBhdmFpbGF\nibGUifQ==\n</pre>\n";
    assert_eq!(encode_armor_elements(NO_PROXIES), expected);
    let document = encode_armor(NO_PROXIES);
    assert_eq!(
        document,
        format!("{ARMOR_HTML_HEAD}{expected}{ARMOR_HTML_TAIL}")
    );
    assert!(ARMOR_HTML_HEAD.ends_with("<body>\n"));
    assert_eq!(ARMOR_HTML_TAIL, "</body>\n</html>");
    assert_eq!(decode_armor(document.as_bytes()).unwrap(), NO_PROXIES);
}

#[test]
fn armor_head_is_an_amp_page() {
    for required in [
        "<!doctype html>",
        "<html amp>",
        "<meta charset=\"utf-8\">",
        "<script async src=\"https://cdn.ampproject.org/v0.js\"></script>",
        "<link rel=\"canonical\"",
        "<meta name=\"viewport\"",
        "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;",
        "<noscript><style amp-boilerplate>body{-webkit-animation:none;-moz-animation:none;-ms-animation:none;animation:none}</style></noscript>",
    ] {
        assert!(ARMOR_HTML_HEAD.contains(required), "{required}");
    }
}

#[test]
fn armor_empty_payload() {
    assert_eq!(encode_armor_elements(b""), "<pre>\n0\n</pre>\n");
    assert_eq!(decode_armor(encode_armor(b"").as_bytes()).unwrap(), b"");
}

/// Line and element layout for data spanning several `<pre>` elements.
#[test]
fn armor_splits_into_elements_of_992_lines() {
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let elements = encode_armor_elements(&data);
    let blocks: Vec<&str> = elements
        .split_terminator("</pre>\n")
        .map(|block| block.strip_prefix("<pre>\n").unwrap())
        .collect();
    // 1 + 66668 characters = 2084 lines (the last one short) = 992 + 992 + 100.
    let line_counts: Vec<usize> = blocks.iter().map(|b| b.lines().count()).collect();
    assert_eq!(line_counts, [992, 992, 100]);
    for block in &blocks {
        assert!(block.len() < ELEMENT_SIZE_LIMIT);
        assert!(block.ends_with('\n'));
        let lines: Vec<&str> = block.lines().collect();
        for line in &lines[..lines.len() - 1] {
            assert_eq!(line.len(), 32);
        }
    }
    assert_eq!(decode_armor(encode_armor(&data).as_bytes()).unwrap(), data);
}

/// Decoder behaviour on hand-written documents, covering the tokenizer
/// cases the Go client's HTML tokenizer handles.
#[test]
fn armor_decoder_table() {
    let ok: [(&str, &[u8]); 12] = [
        ("\n<pre>\n0\n</pre>\n", b""),
        ("\n<pre>\n0aGVsbG8gd29ybGQK\n</pre>\n", b"hello world\n"),
        // Text outside <pre> is ignored.
        (
            "0aGVsbG8gd29ybGQK\nblah\n<pre>\n0aGVsbG8gd29ybGQK\n</pre>\n0aGVs\nblah\n",
            b"hello world\n",
        ),
        // Data and padding spread over several elements.
        (
            "<pre>\n0QUJDREV\nGR0hJSkt\nMTU5PUFF\nSU1RVVld\n</pre>\njunk\n<pre>\nYWVowMTI\nzNDU2Nzg\n5Cg\n=\n</pre>\n<pre>\n=\n</pre>\n",
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n",
        ),
        // Other elements inside <pre> are skipped, their text kept.
        ("blah <pre>0aGVsb<p>G8gd29</p>ybGQK</pre>", b"hello world\n"),
        // Every kind of ASCII whitespace is dropped.
        (
            "blah <pre>\x200\x09aG\x0aV\x0csb\x0dG8\x20gd29ybGQK</pre>",
            b"hello world\n",
        ),
        // Tag names are case-insensitive and may carry attributes, even
        // quoted ones containing '>'.
        (
            "<PRE class=\"a>b\" data-x='<pre>' y=z>0aGVsbG8gd29ybGQK</Pre >",
            b"hello world\n",
        ),
        // <pre> inside comments, scripts and styles does not count.
        (
            "<!-- <pre>0AAAA</pre> --><script>var s = \"<pre>\";</script><style>p{}</pre></style><pre>0aGVsbG8gd29ybGQK</pre>",
            b"hello world\n",
        ),
        // Empty comments and a doctype.
        ("<!DOCTYPE html><!--><!---><pre>0aGVsbG8gd29ybGQK</pre>", b"hello world\n"),
        // A self-closing <pre/> is ignored, as by the Go decoder.
        ("<pre/><pre>0aGVsbG8gd29ybGQK</pre>", b"hello world\n"),
        // A '<' that starts no tag is text (here outside <pre>).
        ("a < b <pre>0aGVsbG8gd29ybGQK</pre> 1<2", b"hello world\n"),
        // Raw-text content inside <pre> is text.
        ("<pre>0aGVs<title>bG8gd29</title>ybGQK</pre>", b"hello world\n"),
    ];
    for (input, expected) in ok {
        assert_eq!(
            decode_armor(input.as_bytes()).as_deref(),
            Ok(expected),
            "{input:?}"
        );
    }

    let errors: [(&str, ArmorDecodeError); 9] = [
        (
            "\n<pre>\n1aGVsbG8gd29ybGQK\n</pre>\n",
            ArmorDecodeError::UnknownVersion('1'),
        ),
        ("aGVsbG8gd29ybGQK\nblah\n", ArmorDecodeError::NoData),
        ("blah <pre>   </pre>\n<pre></pre>", ArmorDecodeError::NoData),
        (
            "blah <!-- <pre>0aGVsbG8gd29ybGQK</pre> -->",
            ArmorDecodeError::NoData,
        ),
        (
            "blah <pre></pre><pre>0aGVsbG8gd29ybGQK",
            ArmorDecodeError::MissingEndPre,
        ),
        (
            "blah <pre>0aGVsbG8gd29ybGQK</pre",
            ArmorDecodeError::MissingEndPre,
        ),
        (
            "blah <pre>0aGVsb<pre>G8gd29</pre>ybGQK</pre>",
            ArmorDecodeError::NestedPre,
        ),
        ("</pre><pre>0</pre>", ArmorDecodeError::StrayEndPre),
        (
            "<pre>0\n\u{e9}</pre>",
            ArmorDecodeError::Base64(String::new()),
        ),
    ];
    for (input, expected) in errors {
        let got = decode_armor(input.as_bytes());
        match expected {
            ArmorDecodeError::Base64(_) => {
                assert!(matches!(got, Err(ArmorDecodeError::Base64(_))), "{input:?}")
            }
            expected => assert_eq!(got, Err(expected), "{input:?}"),
        }
    }
    // Bad padding: the final quantum is incomplete.
    assert!(matches!(
        decode_armor(
            b"<pre>\n0QUJDREV\nGR0hJSkt\nMTU5PUFF\nSU1RVVld\nYWVowMTI\nzNDU2Nzg\n5Cg\n=\n</pre>"
        ),
        Err(ArmorDecodeError::Base64(_))
    ));
}

#[test]
fn armor_limits() {
    let mut too_long = encode_armor(b"x").into_bytes();
    too_long.resize(ARMOR_INPUT_LIMIT + 1, b' ');
    assert_eq!(decode_armor(&too_long), Err(ArmorDecodeError::TooLarge));

    let mut huge_element = b"<pre>0".to_vec();
    huge_element.extend(std::iter::repeat_n(b'A', ELEMENT_SIZE_LIMIT));
    huge_element.extend_from_slice(b"</pre>");
    assert_eq!(
        decode_armor(&huge_element),
        Err(ArmorDecodeError::ElementTooLarge)
    );

    // The largest payload whose armor still fits the input limit decodes.
    let data = vec![0x5a; 70_000];
    let document = encode_armor(&data);
    assert!(document.len() <= ARMOR_INPUT_LIMIT);
    assert_eq!(decode_armor(document.as_bytes()).unwrap(), data);
}

#[test]
fn cache_url_broker_example() {
    let path = encode_path(b"1.0\n{}", &[0; 9]);
    let broker = client_poll_url("https://snowflake-broker.torproject.net/", &path).unwrap();
    assert_eq!(
        broker,
        "https://snowflake-broker.torproject.net/amp/client/0AAAAAAAAAAAA/MS4wCnt9"
    );
    assert_eq!(
        cache_url(&broker, "https://cdn.ampproject.org/", "c").unwrap(),
        "https://snowflake--broker-torproject-net.cdn.ampproject.org/c/s/snowflake-broker.torproject.net/amp/client/0AAAAAAAAAAAA/MS4wCnt9"
    );
}

#[test]
fn client_poll_url_resolves_like_go() {
    for (broker, expected) in [
        ("https://b.example/", "https://b.example/amp/client/0X/Y"),
        ("https://b.example", "https://b.example/amp/client/0X/Y"),
        (
            "https://b.example/broker",
            "https://b.example/amp/client/0X/Y",
        ),
        (
            "https://b.example/broker/",
            "https://b.example/broker/amp/client/0X/Y",
        ),
        (
            "https://b.example/a/../b/?q=1#f",
            "https://b.example/b/amp/client/0X/Y",
        ),
        (
            "http://b.example:8080/",
            "http://b.example:8080/amp/client/0X/Y",
        ),
        ("http://[::1]:8080/", "http://[::1]:8080/amp/client/0X/Y"),
    ] {
        assert_eq!(
            client_poll_url(broker, "0X/Y").unwrap(),
            expected,
            "{broker}"
        );
    }
    assert!(client_poll_url("b.example/", "0X/Y").is_err());
}

#[test]
fn cache_url_table() {
    for (publisher, cache, content_type, expected) in [
        (
            "http://example.com/",
            "https://amp.cache/",
            "c",
            "https://example-com.amp.cache/c/example.com",
        ),
        (
            "http://example.com",
            "https://amp.cache/",
            "c",
            "https://example-com.amp.cache/c/example.com",
        ),
        (
            "https://example.com/",
            "https://amp.cache/",
            "c",
            "https://example-com.amp.cache/c/s/example.com",
        ),
        (
            "http://example.com/",
            "https://amp.cache/",
            "/",
            "https://example-com.amp.cache/%2F/example.com",
        ),
        (
            "http://example.com/my%2Fpath/index.html?a=1#fragment",
            "https://amp.cache/",
            "c",
            "https://example-com.amp.cache/c/example.com/my%2Fpath/index.html?a=1#fragment",
        ),
        (
            "http://example.com",
            "http://cache%2Fuser:cache%40pass@amp.cache:123/with/../../path/..%2f../",
            "c",
            "http://cache%2Fuser:cache%40pass@example-com.amp.cache:123/path/..%2f../c/example.com",
        ),
        (
            "http://example.com:80/",
            "https://amp.cache/",
            "c",
            "https://example-com.amp.cache/c/example.com",
        ),
        (
            "https://example.com:443/",
            "https://amp.cache/",
            "c",
            "https://example-com.amp.cache/c/s/example.com",
        ),
        (
            "http://example.com/",
            "https://amp.cache/?",
            "c",
            "https://example-com.amp.cache/c/example.com",
        ),
        (
            "https://example.com/amp_document.html",
            "https://cdn.ampproject.org/",
            "c",
            "https://example-com.cdn.ampproject.org/c/s/example.com/amp_document.html",
        ),
        (
            "http://example.com/logo.png",
            "https://cdn.ampproject.org/",
            "i",
            "https://example-com.cdn.ampproject.org/i/example.com/logo.png",
        ),
        (
            "https://example.com/g?value=Hello%20World",
            "https://cdn.ampproject.org/",
            "c",
            "https://example-com.cdn.ampproject.org/c/s/example.com/g?value=Hello%20World",
        ),
        (
            "HTTPS://example.com/",
            "https://amp.cache",
            "c",
            "https://example-com.amp.cache/c/s/example.com",
        ),
    ] {
        assert_eq!(
            cache_url(publisher, cache, content_type).as_deref(),
            Ok(expected),
            "{publisher} {cache}"
        );
    }
}

#[test]
fn cache_url_errors() {
    let amp = "https://amp.cache/";
    assert_eq!(
        cache_url("http://example.com/", amp, ""),
        Err(CacheUrlError::EmptyContentType)
    );
    assert_eq!(
        cache_url("http:///index.html", amp, "c"),
        Err(CacheUrlError::EmptyHost)
    );
    assert!(matches!(
        cache_url("//example.com/", amp, "c"),
        Err(CacheUrlError::InvalidUrl(_))
    ));
    assert_eq!(
        cache_url("ftp://example.com/", amp, "c"),
        Err(CacheUrlError::InvalidScheme("ftp".into()))
    );
    assert_eq!(
        cache_url("http://example.com:443/", amp, "c"),
        Err(CacheUrlError::NonDefaultPort("443".into()))
    );
    for userinfo in ["http://user@example.com/", "http://user:pass@example.com/"] {
        assert_eq!(cache_url(userinfo, amp, "c"), Err(CacheUrlError::UserInfo));
    }
    assert_eq!(
        cache_url("http://example.com/", "https://amp.cache/?a=1", "c"),
        Err(CacheUrlError::CacheQuery)
    );
    assert_eq!(
        cache_url("http://example.com/", "https://amp.cache/#fragment", "c"),
        Err(CacheUrlError::CacheFragment)
    );
    assert!(matches!(
        cache_url("https://b\u{fc}cher.de/", amp, "c"),
        Err(CacheUrlError::UnsupportedHost(_))
    ));
    for bad in [
        "https://exa mple.com/",
        "https://example.com:x/",
        "https://example.com/a b",
    ] {
        assert!(
            matches!(cache_url(bad, amp, "c"), Err(CacheUrlError::InvalidUrl(_))),
            "{bad}"
        );
    }
}

#[test]
fn domain_prefix_rules() {
    for (domain, expected) in [
        ("", ""),
        ("...", "---"),
        ("example.com", "example-com"),
        ("foo.example.com", "foo-example-com"),
        ("foo-example.com", "foo--example-com"),
        ("en-us.example.com", "0-en--us-example-com-0"),
        (
            "Snowflake-Broker.TorProject.net",
            "Snowflake--Broker-TorProject-net",
        ),
        (&"a".repeat(63), &"a".repeat(63)),
        // Longer than 63: base32 of SHA-256.
        (
            &"a".repeat(64),
            "77qfj7t24dfw3rs4hl43mhksbh2dtbi5wq6qxjmzom356fkgndvq",
        ),
        (
            "000000000000000000000000000000000000000000000000000000000000.com",
            "stejanx4hsijaoj4secyecy4nvqodk56kw72whwcmvdbtucibf5a",
        ),
    ] {
        assert_eq!(domain_prefix(domain).as_deref(), Ok(expected), "{domain}");
    }
    for unsupported in ["xn--57hw060o.com", "\u{26a1}.com", "a b", "::1"] {
        assert!(matches!(
            domain_prefix(unsupported),
            Err(CacheUrlError::UnsupportedHost(_))
        ));
    }
}

/// Builds HTML-ish documents out of pieces that exercise the tokenizer.
fn htmlish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"<pre>".to_vec()),
        Just(b"</pre>".to_vec()),
        Just(b"<PRE a='>'>".to_vec()),
        Just(b"<!--".to_vec()),
        Just(b"-->".to_vec()),
        Just(b"<script>".to_vec()),
        Just(b"</script>".to_vec()),
        Just(b"<".to_vec()),
        Just(b">".to_vec()),
        Just(b"=\"".to_vec()),
        Just(b"0".to_vec()),
        Just(b"QUJD".to_vec()),
        Just(b"==".to_vec()),
        Just(b"\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn path_round_trips(data in proptest::collection::vec(any::<u8>(), 0..2048), breaker: [u8; 9]) {
        let path = encode_path(&data, &breaker);
        prop_assert!(path.starts_with('0'));
        prop_assert_eq!(decode_path(&path).unwrap(), data);
    }

    #[test]
    fn armor_round_trips(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        prop_assert_eq!(decode_armor(encode_armor(&data).as_bytes()).unwrap(), data);
    }

    #[test]
    fn armor_decoder_never_panics(document in htmlish()) {
        let _ = decode_armor(&document);
    }

    #[test]
    fn path_decoder_never_panics(path in any::<String>()) {
        let _ = decode_path(&path);
    }

    #[test]
    fn url_functions_never_panic(publisher in any::<String>(), cache in any::<String>()) {
        let _ = cache_url(&publisher, &cache, "c");
        let _ = client_poll_url(&publisher, "0X/Y");
    }
}
