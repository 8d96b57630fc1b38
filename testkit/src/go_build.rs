//! Building the Go interop peer, `interop/go-peer`: the reference kcp-go
//! and smux implementation the interop tests talk to (modes `kcp` and
//! `smux`, see its `main.go`).
//!
//! The peer is built in GOPATH mode (the Go packages under `interop/` have
//! no `go.mod`) against Debian's `golang-github-xtaci-kcp-dev` and
//! `golang-github-xtaci-smux-dev`, offline. A missing toolchain or library
//! fails the test (it does not skip) with the `apt-get` line that fixes it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where Debian installs its Go library sources.
const DEBIAN_GOPATH: &str = "/usr/share/gocode";

/// A Go library the peer imports, and the Debian package that provides it.
struct GoLibrary {
    source: &'static str,
    debian_package: &'static str,
}

const GO_PEER_LIBRARIES: [GoLibrary; 2] = [
    GoLibrary {
        source: "/usr/share/gocode/src/github.com/xtaci/kcp-go",
        debian_package: "golang-github-xtaci-kcp-dev",
    },
    GoLibrary {
        source: "/usr/share/gocode/src/github.com/xtaci/smux",
        debian_package: "golang-github-xtaci-smux-dev",
    },
];

/// The `interop/go-peer` binary, built on first use into `target_tmpdir`
/// (a test passes its `env!("CARGO_TARGET_TMPDIR")`); later calls in the
/// same test process return the same path. Panics, naming the fix, when
/// `go` or a library is missing or the build fails.
pub fn go_peer(target_tmpdir: &Path) -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/go-peer");
        build(&source, "go-peer", &GO_PEER_LIBRARIES, target_tmpdir)
    })
}

/// Builds the Go `main` package in `source` to `tmp/<name>`, offline, in
/// GOPATH mode with Debian's library sources.
fn build(source: &Path, name: &str, libraries: &[GoLibrary], tmp: &Path) -> PathBuf {
    for library in libraries {
        assert!(
            Path::new(library.source).is_dir(),
            "Go library {} not found; the Go interop peer needs Debian's {} \
             (apt-get install {})",
            library.source,
            library.debian_package,
            library.debian_package,
        );
    }
    let binary = tmp.join(name);
    let gopath = format!(
        "{}:{DEBIAN_GOPATH}",
        tmp.join(format!("gopath-{name}")).display()
    );
    let status = std::process::Command::new("go")
        .arg("build")
        .arg("-o")
        .arg(&binary)
        .arg(".")
        .current_dir(source)
        .env("GO111MODULE", "off")
        .env("GOPATH", gopath)
        .env("GOCACHE", tmp.join("go-build-cache"))
        .status();
    match status {
        Ok(status) if status.success() => binary,
        Ok(status) => panic!("`go build` of {} failed: {status}", source.display()),
        Err(err) if err.kind() == ErrorKind::NotFound => panic!(
            "`go` not found in PATH; the Go interop peer needs Debian's golang-go \
             (apt-get install golang-go)"
        ),
        Err(err) => panic!("cannot run `go build`: {err}"),
    }
}
