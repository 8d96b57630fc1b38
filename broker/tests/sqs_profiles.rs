//! `-sqs-profiles` end to end against a local SQS server (moto, see
//! `snowflake_testkit::moto`): the `snowflake-broker` binary, given two
//! AWS profiles whose credentials and regions are in the shared files of a
//! home directory written here, listens on the broker queue once per
//! profile, each in its profile's region (upstream: one SQS handler per
//! profile, each loaded with `WithSharedConfigProfile`). A client poll
//! sent to the queue in either region is answered in that region (with no
//! proxy polling, the answer is the "no proxies" error). The region of
//! `-broker-sqs-region` is not used when the profiles name theirs. A
//! profile without credentials stops the broker at start. Skipped without
//! moto unless `SNOWFLAKE_REQUIRE_SQS` is set.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use snowflake_common::messages::{ClientPollResponse, NatType};
use snowflake_common::sqs::{self, Credentials, SqsClient, Url};
use snowflake_testkit::moto::{self, Moto};
use snowflake_testkit::tor::TempDir;

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-broker");
const QUEUE: &str = "snowflake-broker-profiles";

/// AWS variables that must not reach the broker from the test's own
/// environment.
const AWS_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
];

/// A home directory with `~/.aws/credentials` (profile `east`) and
/// `~/.aws/config` (the regions of `east` and `west`, and the credentials
/// of `west`).
fn aws_home() -> TempDir {
    let home = TempDir::new("sf-sqs-profiles").expect("temp dir");
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).expect("~/.aws");
    std::fs::write(
        aws.join("credentials"),
        "[east]\naws_access_key_id = AKIDEAST\naws_secret_access_key = east-secret\n",
    )
    .expect("credentials");
    std::fs::write(
        aws.join("config"),
        "[profile east]\nregion = us-east-1\n\n\
         [profile west]\nregion = eu-west-1\n\
         aws_access_key_id = AKIDWEST\naws_secret_access_key = west-secret\n",
    )
    .expect("config");
    home
}

/// The broker binary, killed when dropped.
struct BrokerProcess {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl BrokerProcess {
    fn start(home: &TempDir, extra: &[&str]) -> Self {
        let port = snowflake_testkit::pebble::free_port();
        let mut command = Command::new(BINARY);
        command
            .args(["-addr", &format!("127.0.0.1:{port}")])
            .args(["-disable-tls", "-disable-geoip", "-unsafe-logging"])
            .args(extra)
            .env("HOME", home.path())
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for name in AWS_VARIABLES {
            command.env_remove(name);
        }
        let mut child = command.spawn().expect("start snowflake-broker");
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    eprintln!("broker: {line}");
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        BrokerProcess { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SQS client of moto in `region`, as a snowflake client would be.
fn client(moto: &Moto, region: &str) -> SqsClient {
    SqsClient::new(
        Url::parse(&moto.endpoint()).expect("endpoint"),
        region,
        Credentials::new("AKIDCLIENT", "client-secret").expect("credentials"),
    )
}

/// The broker queue's URL in the client's region, once the broker has
/// created it.
async fn broker_queue(client: &SqsClient, broker: &mut BrokerProcess) -> String {
    guarded(async {
        loop {
            match client.get_queue_url(QUEUE).await {
                Ok(url) => return url,
                Err(error) if error.is_queue_missing() => {
                    if let Ok(Some(status)) = broker.child.try_wait() {
                        panic!("the broker exited ({status}):\n{}", broker.log());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("GetQueueUrl: {error}"),
            }
        }
    })
    .await
}

/// Sends a client poll to the broker queue and reads the reply from the
/// client's response queue, both in the client's region.
async fn poll_through_sqs(client: &SqsClient, queue_url: &str) -> ClientPollResponse {
    let id = sqs::new_client_id();
    let body = String::from_utf8(client_body("profile-offer", NatType::Restricted)).expect("UTF-8");
    client
        .send_message(queue_url, &body, &[(sqs::CLIENT_ID_ATTRIBUTE, &id)])
        .await
        .expect("SendMessage");
    sqs_reply(client, &id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_listener_per_profile_in_its_region() {
    let Some(moto) = moto::start_or_skip("one_listener_per_profile_in_its_region").await else {
        return;
    };
    let home = aws_home();
    let endpoint = moto.endpoint();
    let mut broker = BrokerProcess::start(
        &home,
        &[
            "-broker-sqs-name",
            QUEUE,
            "-broker-sqs-region",
            "us-west-2",
            "-broker-sqs-endpoint",
            &endpoint,
            "-sqs-profiles",
            "east,west",
        ],
    );
    for region in ["us-east-1", "eu-west-1"] {
        let client = client(&moto, region);
        let queue = broker_queue(&client, &mut broker).await;
        assert_eq!(
            poll_through_sqs(&client, &queue).await.encode(),
            NO_PROXIES_BODY.as_bytes(),
            "{region}"
        );
    }
    // Each profile's listener is in its own region, not the flag's.
    let unused = client(&moto, "us-west-2");
    match unused.get_queue_url(QUEUE).await {
        Err(error) if error.is_queue_missing() => {}
        other => panic!("a queue in -broker-sqs-region: {other:?}\n{}", broker.log()),
    }
    let log = broker.log();
    assert_eq!(
        log.matches("SQS rendezvous: listening on the broker queue")
            .count(),
        2,
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_without_credentials_stops_the_broker() {
    let Some(moto) = moto::start_or_skip("a_profile_without_credentials_stops_the_broker").await
    else {
        return;
    };
    let home = aws_home();
    let endpoint = moto.endpoint();
    let mut broker = BrokerProcess::start(
        &home,
        &[
            "-broker-sqs-name",
            QUEUE,
            "-broker-sqs-endpoint",
            &endpoint,
            "-sqs-profiles",
            "east,nobody",
        ],
    );
    let status = guarded(async {
        loop {
            if let Ok(Some(status)) = broker.child.try_wait() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(!status.success());
    let log = broker.log();
    assert!(log.contains("-sqs-profiles: profile \"nobody\""), "{log}");
    // Nothing was started: not even the good profile's queue.
    match client(&moto, "us-east-1").get_queue_url(QUEUE).await {
        Err(error) if error.is_queue_missing() => {}
        other => panic!("a queue was created: {other:?}"),
    }
}
