//! Set-up shared by the client's integration tests. Each test binary uses
//! a part of it, so unused items are expected in any one of them.
#![allow(dead_code)]

pub mod sqs_broker;
