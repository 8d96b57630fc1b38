//! Child processes that tests start, stopped when the test ends however it
//! ends, and external programs tests need.

use std::io;
use std::path::PathBuf;
use std::process::{Child, Command};

/// Kills and reaps the child when dropped.
#[derive(Debug)]
pub struct ChildGuard {
    child: Child,
    name: String,
}

impl ChildGuard {
    /// Starts `command`; `name` labels it in errors.
    pub fn spawn(mut command: Command, name: &str) -> io::Result<ChildGuard> {
        let child = command
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start {name}: {e}")))?;
        Ok(ChildGuard {
            child,
            name: name.to_string(),
        })
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has already exited (and how).
    pub fn try_wait(&mut self) -> io::Result<Option<std::process::ExitStatus>> {
        self.child.try_wait()
    }

    /// The label given at spawn.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Finds `program` on `PATH`, or explains which Debian package provides
/// it.
pub fn find_program(program: &str, debian_package: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            format!(
                "`{program}` is not installed; install it with `apt-get install -y {debian_package}`"
            )
        })
}
