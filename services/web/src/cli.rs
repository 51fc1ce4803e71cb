//! The `attune` command line: serve, migrate, admin create, audit verify, chain deploy.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use attune_app::accounts::{self, AdminCreated, ExistingAccount};
use attune_app::database;
use attune_app::{Settings, telemetry};
use clap::{Parser, Subcommand};

use crate::startup::{Application, BootstrapAdmin};

#[derive(Parser)]
#[command(name = "attune", version, about = "Attune: a marketplace for compliant fine-tuning")]
struct Cli {
    /// Settings file (default: ./attune.toml if present). Environment variables override it.
    #[arg(long, global = true, env = "ATTUNE_CONFIG")]
    config: Option<PathBuf>,
    /// Where the embedded state lives (database cluster, outbox, secrets).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole marketplace.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Platform administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The settlement chain.
    Chain {
        #[command(subcommand)]
        command: ChainCommand,
    },
}

#[derive(Subcommand)]
enum ChainCommand {
    /// Deploy MockUSDC, the escrow and the registry on ATTUNE_CHAIN_RPC_URL with ATTUNE_OPERATOR_KEY
    /// holding every role, and print the settings that point Attune at them.
    Deploy,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a platform admin. An existing account with that e-mail address is refused unless
    /// `--promote-existing` is given (and then only a verified account is promoted).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required_unless_present = "promote_existing")]
        password_stdin: bool,
        /// Give the admin role to the existing, e-mail-verified account with this address.
        #[arg(long)]
        promote_existing: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit non-zero naming the first bad entry.
    Verify,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: invalid settings: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir;
    }
    telemetry::init(settings.log_format);
    let result = actix_web::rt::System::new().block_on(async move {
        match cli.command {
            Command::Serve { bind } => {
                if let Some(bind) = bind {
                    settings.bind = bind;
                }
                serve(settings).await
            }
            Command::Migrate => with_database(&settings, |_| async { Ok(ExitCode::SUCCESS) }, "database migrated").await,
            Command::Admin { command: AdminCommand::Create { email, name, password_stdin, promote_existing } } => {
                let password = if password_stdin {
                    let mut password = String::new();
                    std::io::stdin().lock().read_line(&mut password).context("failed to read the password from standard input")?;
                    Some(password.trim_end_matches(['\r', '\n']).to_string())
                } else {
                    None
                };
                let existing = if promote_existing { ExistingAccount::PromoteIfVerified } else { ExistingAccount::Refuse };
                with_database(
                    &settings,
                    |pool| async move {
                        match accounts::create_admin_with(&pool, "cli", &email, password.as_deref(), &name, existing).await {
                            Ok(AdminCreated::Created(id)) => println!("created admin {email} ({id})"),
                            Ok(AdminCreated::Promoted(id)) => println!("{email} ({id}) already existed and is now an admin"),
                            Err(e) => {
                                eprintln!("error: {e}");
                                return Ok(ExitCode::FAILURE);
                            }
                        }
                        Ok(ExitCode::SUCCESS)
                    },
                    "",
                )
                .await
            }
            Command::Chain { command: ChainCommand::Deploy } => {
                let d = attune_app::chain::deploy_contracts(&settings).await?;
                println!("ATTUNE_TOKEN_ADDRESS={}", d.token.to_checksum(None));
                println!("ATTUNE_ESCROW_ADDRESS={}", d.escrow.to_checksum(None));
                println!("ATTUNE_REGISTRY_ADDRESS={}", d.registry.to_checksum(None));
                Ok(ExitCode::SUCCESS)
            }
            Command::Audit { command: AuditCommand::Verify } => {
                with_database(
                    &settings,
                    |pool| async move {
                        match attune_app::audit::verify(&pool).await {
                            Ok(n) => {
                                println!("audit log intact: {n} entries verified");
                                Ok(ExitCode::SUCCESS)
                            }
                            Err(attune_app::audit::VerifyError::Broken(b)) => {
                                eprintln!("audit log BROKEN: {b}");
                                Ok(ExitCode::FAILURE)
                            }
                            Err(attune_app::audit::VerifyError::Unexpected(e)) => Err(e),
                        }
                    },
                    "",
                )
                .await
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let data_dir = settings.data_dir.clone();
    let app = Application::build(settings).await?;
    let admin = app.bootstrap_admin().await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "Attune is running.")?;
    writeln!(out, "listening on http://127.0.0.1:{}", app.port())?;
    writeln!(out, "  open:     {}", app.public_url())?;
    writeln!(out, "  database: {}", app.database_location())?;
    writeln!(out, "  mail:     {}", app.mail_description())?;
    match app.chain() {
        Some(chain) => {
            let info = chain.info();
            let kind = if info.embedded { "embedded anvil" } else { "configured chain" };
            writeln!(
                out,
                "  chain:    {kind} {} (chain id {}), escrow {}, USDC {}",
                info.rpc_url.as_deref().unwrap_or("(RPC URL not shown; set ATTUNE_CHAIN_PUBLIC_RPC_URL)"),
                info.chain_id,
                info.escrow_address,
                info.token.address
            )?;
            if info.embedded {
                writeln!(out, "            development accounts 1-9 hold 1,000,000 MockUSDC each; account 0 is the operator")?;
            }
        }
        None => writeln!(out, "  chain:    off (ATTUNE_CHAIN_ENABLED=false)")?,
    }
    writeln!(out, "  training: {}", app.training_description())?;
    writeln!(out, "  data dir: {}", data_dir.canonicalize().unwrap_or(data_dir.clone()).display())?;
    match admin {
        BootstrapAdmin::AlreadyPresent => {}
        BootstrapAdmin::FromSettings { email } => writeln!(out, "  admin:    {email} (password from ATTUNE_BOOTSTRAP_ADMIN_PASSWORD)")?,
        BootstrapAdmin::Generated { email, password_file } => {
            writeln!(out, "  admin:    {email}, password in {}", password_file.display())?;
        }
    }
    writeln!(out, "Stop with Ctrl-C.")?;
    out.flush()?;
    drop(out);
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the database (starting the embedded cluster if needed), runs `f`, and stops the cluster
/// again if this command started it.
async fn with_database<F, Fut>(settings: &Settings, f: F, done: &str) -> anyhow::Result<ExitCode>
where
    F: FnOnce(attune_app::Pool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<ExitCode>>,
{
    let db = database::open(settings).await?;
    let result = f(db.pool.clone()).await;
    db.pool.close().await;
    if let Some(pg) = &db.embedded
        && pg.started_here()
    {
        pg.stop().await?;
    }
    if result.is_ok() && !done.is_empty() {
        println!("{done}");
    }
    result
}
