//! Country lookup from tor's geoip files (`-geoipdb`, `-geoip6db`): the
//! reader is shared with the proxy and lives in
//! [`snowflake_common::geoip`]; this module re-exports it under the
//! broker's old path.

pub use snowflake_common::geoip::*;
