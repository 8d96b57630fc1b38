//! Log scrubbing lives in `snowflake_common::safelog`, shared by every
//! program; re-exported here for this crate's modules and binary.

pub use snowflake_common::safelog::*;
