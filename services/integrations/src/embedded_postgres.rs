//! A private PostgreSQL cluster under the data directory, run from the machine's installed
//! PostgreSQL binaries (initdb / pg_ctl). It listens on a unix socket only (no TCP port), in a
//! directory only its owner can enter. When the marketplace runs as root it runs the cluster as the
//! `postgres` user, because PostgreSQL refuses to run as root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::Context;
use sha2::{Digest, Sha256};
use tokio::process::Command;

/// The socket port number: with no TCP listener it only names the socket file (`.s.PGSQL.5432`).
pub const SOCKET_PORT: u16 = 5432;
/// Cluster superuser created by initdb.
pub const SUPERUSER: &str = "postgres";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPostgresError {
    #[error(
        "no PostgreSQL server binaries (initdb, pg_ctl) were found on this machine.\n\
         Install them (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql`),\n\
         or point Attune at an existing database with DATABASE_URL=postgres://user@host/db,\n\
         or name the directory holding initdb with ATTUNE_PG_BIN_DIR."
    )]
    NoBinaries,
    #[error(
        "Attune runs as root and PostgreSQL refuses to; no `postgres` system user exists to run the embedded cluster as.\n\
         Create one (`useradd --system postgres`), run Attune as an ordinary user, or set DATABASE_URL."
    )]
    NoPostgresUser,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Who owns and runs the cluster's processes.
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
}

#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    cluster_dir: PathBuf,
    socket_dir: PathBuf,
    log_file: PathBuf,
    run_as: Option<RunAs>,
    started_here: bool,
}

impl EmbeddedPostgres {
    /// Creates (first run) or reuses the cluster under `<data_dir>/pg` and makes sure it runs.
    #[tracing::instrument(skip_all, fields(data_dir = %data_dir.display()))]
    pub async fn start(data_dir: &Path, bin_dir_override: Option<&Path>) -> Result<Self, EmbeddedPostgresError> {
        let bin_dir = find_bin_dir(bin_dir_override).ok_or(EmbeddedPostgresError::NoBinaries)?;
        std::fs::create_dir_all(data_dir).with_context(|| format!("failed to create the data directory {}", data_dir.display()))?;
        let data_dir = data_dir.canonicalize().context("failed to resolve the data directory")?;
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name(SUPERUSER)
                .context("failed to look up the postgres user")?
                .ok_or(EmbeddedPostgresError::NoPostgresUser)?;
            Some(RunAs { uid: user.uid.as_raw(), gid: user.gid.as_raw() })
        } else {
            None
        };
        let cluster_dir = data_dir.join("pg");
        let socket_dir = socket_dir_for(&data_dir);
        let log_file = cluster_dir.join("server.log");
        let mut pg = Self { bin_dir, cluster_dir, socket_dir, log_file, run_as, started_here: false };
        pg.prepare_directories(&data_dir)?;
        if !pg.cluster_dir.join("PG_VERSION").exists() {
            pg.initdb().await?;
        }
        if pg.is_running().await? {
            tracing::info!("reusing the running embedded PostgreSQL cluster");
        } else {
            pg.pg_ctl_start().await?;
            pg.started_here = true;
        }
        Ok(pg)
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    pub fn cluster_dir(&self) -> &Path {
        &self.cluster_dir
    }

    pub fn port(&self) -> u16 {
        SOCKET_PORT
    }

    /// Whether this process started the cluster (and so should stop it on shutdown).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Stops the cluster (fast shutdown: open transactions roll back, data is safe).
    #[tracing::instrument(skip_all)]
    pub async fn stop(&self) -> anyhow::Result<()> {
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.cluster_dir)
            .args(["-m", "fast", "-w", "-t", "60", "stop"])
            .output()
            .await
            .context("failed to run pg_ctl stop")?;
        check(&out, "pg_ctl stop")
    }

    pub async fn is_running(&self) -> anyhow::Result<bool> {
        let out =
            self.command("pg_ctl").arg("-D").arg(&self.cluster_dir).arg("status").output().await.context("failed to run pg_ctl status")?;
        // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory.
        Ok(out.status.code() == Some(0))
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        cmd.env("LC_ALL", "C.UTF-8").env_remove("PGDATA").kill_on_drop(false);
        if let Some(run_as) = self.run_as {
            cmd.uid(run_as.uid).gid(run_as.gid);
            // The postgres user cannot read root's working directory.
            cmd.current_dir("/");
        }
        cmd
    }

    fn prepare_directories(&self, data_dir: &Path) -> anyhow::Result<()> {
        for dir in [&self.cluster_dir, &self.socket_dir] {
            std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("failed to restrict {}", dir.display()))?;
        }
        if let Some(run_as) = self.run_as {
            // The cluster's owner must be able to reach its directories: give the data directory
            // search permission (not listing) and hand the cluster and socket directories over.
            let mode = std::fs::metadata(data_dir).context("failed to stat the data directory")?.permissions().mode();
            if mode & 0o001 == 0 {
                std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode((mode & 0o7777) | 0o711))
                    .context("failed to let the postgres user traverse the data directory")?;
            }
            for dir in [&self.cluster_dir, &self.socket_dir] {
                std::os::unix::fs::chown(dir, Some(run_as.uid), Some(run_as.gid))
                    .with_context(|| format!("failed to hand {} to the postgres user", dir.display()))?;
            }
        }
        Ok(())
    }

    async fn initdb(&self) -> anyhow::Result<()> {
        tracing::info!(dir = %self.cluster_dir.display(), "creating the embedded PostgreSQL cluster");
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&self.cluster_dir)
            .args(["-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"])
            .output()
            .await
            .context("failed to run initdb")?;
        check(&out, "initdb")
    }

    async fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let options = format!("-c listen_addresses='' -k {} -p {} -c max_connections=100", self.socket_dir.display(), SOCKET_PORT);
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.cluster_dir)
            .arg("-l")
            .arg(&self.log_file)
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .await
            .context("failed to run pg_ctl start")?;
        check(&out, "pg_ctl start").with_context(|| format!("the embedded PostgreSQL did not start; see {}", self.log_file.display()))
    }
}

fn check(out: &Output, what: &str) -> anyhow::Result<()> {
    if out.status.success() {
        return Ok(());
    }
    anyhow::bail!(
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim(),
        String::from_utf8_lossy(&out.stdout).trim()
    )
}

/// The socket directory: `<data_dir>/run` unless that would make the socket path longer than the
/// 107 bytes a unix socket address allows, then a per-data-dir directory under /tmp.
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    let preferred = data_dir.join("run");
    let socket_path_len = preferred.as_os_str().len() + "/.s.PGSQL.5432.lock".len();
    if socket_path_len < 100 {
        return preferred;
    }
    let digest = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    PathBuf::from(format!("/tmp/attune-pg-{}", &hex::encode(digest)[..16]))
}

/// Where initdb and pg_ctl live: an explicit override, `pg_config --bindir`, the PATH, or the
/// newest Debian-style `/usr/lib/postgresql/<version>/bin`.
fn find_bin_dir(override_dir: Option<&Path>) -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = override_dir {
        return has_tools(dir).then(|| dir.to_path_buf());
    }
    if let Ok(out) = std::process::Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_tools(&dir) {
            return Some(dir);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().split('.').next()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_data_dirs_get_a_short_socket_dir() {
        assert_eq!(socket_dir_for(Path::new("/srv/attune")), PathBuf::from("/srv/attune/run"));
        let long = PathBuf::from(format!("/{}", "d".repeat(120)));
        let dir = socket_dir_for(&long);
        assert!(dir.to_string_lossy().starts_with("/tmp/attune-pg-"), "{}", dir.display());
        assert_eq!(dir, socket_dir_for(&long), "the fallback is stable per data dir");
    }

    #[test]
    fn an_override_without_the_tools_is_refused() {
        assert_eq!(find_bin_dir(Some(Path::new("/nonexistent"))), None);
    }
}
