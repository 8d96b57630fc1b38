//! Snowflake server: tor's ServerTransportPlugin (WebSocket listener, Turbo
//! Tunnel demultiplexing, KCP + smux sessions to the Extended ORPort).
//! Built on `snowflake-common`; see issue 3 for its scope.
