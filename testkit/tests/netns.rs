//! The namespace helpers themselves (need root, like every test using
//! them).

use std::time::Duration;

use snowflake_testkit::netns::{self, NetnsError, RerunOptions};

fn namespaces() -> String {
    let output = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn options(prefix: &str, timeout: Duration) -> RerunOptions {
    RerunOptions {
        timeout,
        prefix: prefix.to_string(),
        ..RerunOptions::default()
    }
}

#[test]
fn rerun_sees_only_loopback_and_local_names() {
    if netns::inside() {
        assert_eq!(netns::interfaces().unwrap(), ["lo"]);
        // The Go programs' default hosts resolve to loopback.
        use std::net::ToSocketAddrs;
        for host in netns::DEFAULT_LOCAL_HOSTS {
            let addrs: Vec<_> = (*host, 443).to_socket_addrs().unwrap().collect();
            assert!(
                addrs.iter().all(|a| a.ip().is_loopback()),
                "{host}: {addrs:?}"
            );
        }
        // Nothing off the machine is reachable.
        let outside = std::net::TcpStream::connect_timeout(
            &"192.0.2.1:80".parse().unwrap(),
            Duration::from_secs(2),
        );
        assert!(outside.is_err());
        println!("inside {}", netns::current().unwrap());
        return;
    }
    let prefix = format!("sfkt-ok{}", std::process::id() % 1000);
    let output = netns::rerun_test_in_netns(
        "rerun_sees_only_loopback_and_local_names",
        &options(&prefix, Duration::from_secs(60)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(output.contains(&format!("inside {prefix}-")), "{output}");
    assert!(!namespaces().contains(&prefix), "namespace left behind");
}

#[test]
fn failure_inside_is_reported_and_cleaned_up() {
    if netns::inside() {
        panic!("deliberate failure inside the namespace");
    }
    let prefix = format!("sfkt-fail{}", std::process::id() % 1000);
    let error = netns::rerun_test_in_netns(
        "failure_inside_is_reported_and_cleaned_up",
        &options(&prefix, Duration::from_secs(60)),
    )
    .unwrap_err();
    assert!(
        matches!(error, NetnsError::InnerTestFailed { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("deliberate failure"), "{error}");
    assert!(!namespaces().contains(&prefix), "namespace left behind");
}

const SLEEP_MARKER: &str = "31337.25";

fn sleepers() -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .filter(|cmdline| String::from_utf8_lossy(cmdline).contains(SLEEP_MARKER))
        .count()
}

#[test]
fn hung_rerun_is_killed_with_its_children() {
    if netns::inside() {
        // Deliberately left running: the outer test checks that the
        // timeout kills it together with this process.
        let child = std::process::Command::new("sleep")
            .arg(SLEEP_MARKER)
            .spawn()
            .unwrap();
        std::mem::forget(child);
        std::thread::sleep(Duration::from_secs(600));
        return;
    }
    let prefix = format!("sfkt-hang{}", std::process::id() % 1000);
    let error = netns::rerun_test_in_netns(
        "hung_rerun_is_killed_with_its_children",
        &options(&prefix, Duration::from_secs(3)),
    )
    .unwrap_err();
    assert!(error.to_string().contains("killed after"), "{error}");
    assert!(!namespaces().contains(&prefix), "namespace left behind");
    assert_eq!(sleepers(), 0, "a child of the re-run survived");
}

#[test]
fn unknown_test_name_is_an_error() {
    if netns::inside() {
        return;
    }
    let error = netns::rerun_test_in_netns(
        "no_such_test",
        &options("sfkt-none", Duration::from_secs(60)),
    )
    .unwrap_err();
    assert!(error.to_string().contains("did not run"), "{error}");
}
