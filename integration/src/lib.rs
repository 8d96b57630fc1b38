//! Tests and demos across the whole Snowflake stack; see issue 7.
