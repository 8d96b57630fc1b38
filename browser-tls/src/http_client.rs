//! [`TlsConnector`] as the TLS client of `snowflake-common`'s HTTP client
//! (feature `http-client`): the client's rendezvous and the proxy's broker
//! polls run their HTTPS over the browser hello this way, and speak HTTP/2
//! when the server picks `h2`.

use std::io;

use snowflake_common::http_client::{BoxFuture, BoxedIo, TlsConnect, TlsConnection};

use crate::TlsConnector;

impl TlsConnect for TlsConnector {
    fn connect<'a>(
        &'a self,
        host: &'a str,
        tcp: BoxedIo,
    ) -> BoxFuture<'a, io::Result<TlsConnection>> {
        Box::pin(async move {
            let tls = TlsConnector::connect(self, host, tcp).await?;
            let alpn = tls.negotiated_alpn().map(<[u8]>::to_vec);
            let stream: BoxedIo = Box::new(tls);
            Ok((stream, alpn))
        })
    }
}
