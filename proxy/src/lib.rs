//! Snowflake proxy: the standalone volunteer that answers a client's WebRTC
//! offer and pipes the data channel to the server's WebSocket.
//! Built on `snowflake-common`; see issue 5 for its scope.
