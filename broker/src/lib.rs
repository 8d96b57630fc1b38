//! Snowflake broker: matches clients with proxies and relays their SDP.
//! Built on `snowflake-common`; see issue 4 for its scope.
