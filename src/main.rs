//! The `tracestamp` command: serve, migrate, load the demo set, manage users,
//! verify the audit log, back up the database.

use std::io::{BufRead, IsTerminal};

use actix_web::{middleware, App, HttpServer};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};

use tracestamp::audit::Actor;
use tracestamp::config::Config;
use tracestamp::models::audit_log::{self, Verification};
use tracestamp::models::enterprise;
use tracestamp::service::{accounts, credentials};
use tracestamp::{demo, AppState};

#[derive(Parser)]
#[command(
    name = "tracestamp",
    version,
    about = "Agricultural traceability with QR stamps"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations and serve HTTP.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load the demo set first if the database is empty (demo only).
        #[arg(long)]
        demo: bool,
        /// HTTP worker threads (default: one per core).
        #[arg(long, env = "WORKERS")]
        workers: Option<usize>,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the demo set (17 enterprises, 37 facilities, 61 products, demo accounts).
    Demo,
    /// Manage the keys behind stamp serials.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copy a SQLite database into a new FILE while the service runs
    /// (PostgreSQL: use pg_dump, see README).
    Backup {
        /// The new file; an existing one is never overwritten.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the audit log's hash chain; exit non-zero at the first entry that
    /// was edited, removed or inserted behind the service's back.
    Verify,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new key for new rolls; stamps already printed keep verifying.
    /// Restart every node afterwards so they all issue with the new key.
    Rotate,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        username: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Enterprise id (producers).
        #[arg(long)]
        enterprise: Option<String>,
        /// Province (regulators), e.g. "Vĩnh Long".
        #[arg(long)]
        province: Option<String>,
    },
    /// Set an account's password (read from standard input); revokes every
    /// token and session of the account.
    Passwd { username: String },
    /// Disable an account and revoke its tokens and sessions.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Producer,
    Regulator,
}

fn main() -> anyhow::Result<()> {
    tune_malloc();
    let cli = Cli::parse();
    tracestamp::observe::logging::init(cli.config.log_format)?;
    if let Err(refused) = cli.config.validate() {
        bail!("configuration refused: {refused}");
    }
    if std::env::var_os("CLIENT_IP_HEADER").is_some() {
        tracing::warn!(
            "CLIENT_IP_HEADER is no longer read: set TRUSTED_PROXIES to the proxies' addresses \
             and X-Forwarded-For / Forwarded are read from them only"
        );
    }
    match cli.command {
        Command::Serve {
            bind,
            demo,
            workers,
        } => serve(cli.config, &bind, demo, workers),
        Command::Migrate => {
            AppState::open(cli.config)?;
            println!("migrations applied");
            Ok(())
        }
        Command::Demo => {
            let state = AppState::open(cli.config)?;
            load_demo(&state)
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let state = AppState::open(cli.config)?;
            let id = tracestamp::models::serial_key::rotate(&mut *state.pool.get()?)?;
            println!("serial key {id} added; restart the service to issue new rolls with it");
            Ok(())
        }
        Command::User { command } => {
            let state = AppState::open(cli.config)?;
            match command {
                UserCommand::Add {
                    username,
                    role,
                    enterprise,
                    province,
                } => add_user(&state, &username, role, enterprise, province),
                UserCommand::Passwd { username } => {
                    let password = read_password()?;
                    let revoked = credentials::set_password_by_name(
                        &mut *state.pool.get()?,
                        &Actor::system("cli"),
                        &username,
                        &password,
                    )?;
                    println!("password of {username} changed; {revoked} token(s) revoked");
                    Ok(())
                }
                UserCommand::Disable { username } => switch_user(&state, &username, true),
                UserCommand::Enable { username } => switch_user(&state, &username, false),
            }
        }
        Command::Backup { file } => {
            let target = tracestamp::db::DbTarget::parse(&cli.config.database_url)?;
            tracestamp::db::backup::backup(&target, &file)?;
            println!("database copied to {}", file.display());
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let state = AppState::open(cli.config)?;
            match audit_log::verify(&mut *state.pool.get()?)? {
                Verification::Ok { entries } => {
                    println!("audit log intact: {entries} entries");
                    Ok(())
                }
                Verification::Broken {
                    first_broken,
                    reason,
                } => bail!("audit log broken at entry {first_broken}: {reason}"),
            }
        }
    }
}

fn load_demo(state: &AppState) -> anyhow::Result<()> {
    let mut conn = state.pool.get()?;
    let loaded = demo::load(&mut conn, &state.config, &state.codec)?;
    println!(
        "demo set loaded: {} enterprises, {} facilities, {} products, {} batches with a stamp \
         roll each, {} events, {} inspections",
        loaded.enterprises,
        loaded.facilities,
        loaded.products,
        loaded.batches,
        loaded.events,
        loaded.inspections
    );
    if let Some(serial) = &loaded.sample_serial {
        println!(
            "a demo stamp, as a consumer sees it: {}/s/{serial}",
            state.config.base_url()
        );
    }
    if let Some(serial) = &loaded.chain_serial {
        println!(
            "a demo stamp showing the supply chain back to the farm: {}/s/{serial}",
            state.config.base_url()
        );
    }
    if let Some(path) = &loaded.sample_digital_link {
        println!(
            "a demo stamp as a GS1 Digital Link: {}{path}",
            state.config.base_url()
        );
    }
    println!(
        "demo accounts (DEMO ONLY, password \"{}\"): admin, producer1…producer{} (producerN \
         belongs to enterprise N), regulator1…regulator10 (Vĩnh Long), regulator11…regulator12 ({})",
        demo::DEMO_PASSWORD,
        loaded.enterprises,
        demo::OTHER_PROVINCE
    );
    Ok(())
}

fn serve(
    config: Config,
    bind: &str,
    with_demo: bool,
    workers: Option<usize>,
) -> anyhow::Result<()> {
    let state = AppState::open(config)?;
    if with_demo {
        let empty = enterprise::count(&mut *state.pool.get()?)? == 0;
        if empty {
            load_demo(&state)?;
        } else {
            println!("database already holds data: demo set not loaded");
        }
    }
    let workers =
        workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    // Blocking threads beyond the pool size only queue for connections.
    let blocking = (state.config.pool_size() as usize).div_ceil(workers).max(1);
    println!("tracestamp listening on http://{bind}");
    let flusher = spawn_scan_flusher(state.clone());
    let served = actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .wrap(middleware::Compress::default())
                .configure(tracestamp::configure(state.clone()))
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking)
        .shutdown_timeout(10)
        .bind(bind)
        .with_context(|| format!("cannot listen on {bind}"))?
        .run()
        .await
        .context("server stopped with an error")
    });
    flusher.stop();
    served
}

/// Writes buffered scans on a thread of its own a second after the last
/// flush began, or at once when a batch's worth waits (`FLUSH_BATCH`) and
/// the last flush did not fail, and
/// once more when stopped, after the server has drained its requests; after
/// each flush, checks the resolver's cache if due (and hourly creates scan
/// partitions ahead and applies retention). Under load the flusher thus
/// writes batch after batch as they fill, and what waits in memory stays
/// near two batches: waiting out the second let a busy second's scans pile
/// up (README, "Figures").
struct ScanFlusher {
    scans: std::sync::Arc<tracestamp::resolver::scans::ScanBuffer>,
    thread: std::thread::JoinHandle<()>,
}

impl ScanFlusher {
    fn stop(self) {
        self.scans.close();
        let _ = self.thread.join();
    }
}

fn spawn_scan_flusher(state: AppState) -> ScanFlusher {
    let scans = std::sync::Arc::clone(&state.scans);
    let period = std::time::Duration::from_secs(1);
    let thread = std::thread::spawn(move || {
        let mut due = std::time::Instant::now() + period;
        let mut kept_at = std::time::Instant::now();
        let mut trim = Trim::default();
        let mut failed = false;
        loop {
            let left = due.saturating_duration_since(std::time::Instant::now());
            let last = if failed {
                state.scans.wait_out(left)
            } else {
                state.scans.wait_for_batch(left)
            };
            due = std::time::Instant::now() + period;
            failed = match state.flush_scans() {
                Ok(written) => {
                    trim.after(written);
                    false
                }
                Err(e) => {
                    tracing::warn!("scans not written yet, will retry: {e}");
                    true
                }
            };
            if let Err(e) = state.check_resolver_cache() {
                tracing::warn!("resolver cache not checked, will retry: {e}");
            }
            if kept_at.elapsed() >= KEEP_SCANS_EVERY {
                kept_at = std::time::Instant::now();
                match state.keep_scans() {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("old scans removed: {n} partitions or rows"),
                    Err(e) => tracing::warn!("scan partitions or retention not applied: {e}"),
                }
            }
            if last {
                break;
            }
        }
    });
    ScanFlusher { scans, thread }
}

/// How often the flusher creates scan partitions ahead and applies
/// `SCAN_RETENTION_MONTHS` (also done at start).
const KEEP_SCANS_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Scans written since the last trim past which freed memory is handed
/// back, at most once a second.
const TRIM_AFTER_SCANS: usize = 10_000;

/// When to hand freed memory back to the system. Scans are allocated by the
/// workers and freed by the flusher, tens of thousands a second under load,
/// and glibc's malloc keeps what they leave free inside its arenas: after the
/// load script's runs the server held 106 MB with 37 MB in use; trimmed, 65
/// MB. A trim takes a few milliseconds: once a second at most, though the
/// flusher writes several batches a second under load.
struct Trim {
    written: usize,
    at: std::time::Instant,
}

impl Default for Trim {
    fn default() -> Self {
        Trim {
            written: 0,
            at: std::time::Instant::now(),
        }
    }
}

impl Trim {
    fn after(&mut self, written: usize) {
        self.written += written;
        if self.written < TRIM_AFTER_SCANS || self.at.elapsed() < std::time::Duration::from_secs(1)
        {
            return;
        }
        self.written = 0;
        self.at = std::time::Instant::now();
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim takes malloc's own locks and only returns free
        // pages of its arenas to the system; it touches no memory in use.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// Sets glibc's malloc for a long-running server before any thread starts,
/// where the environment does not (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`
/// win when set):
/// - two arenas rather than one per thread: workers allocate scans that the
///   flusher frees, and each extra arena keeps what is freed in it;
/// - large blocks (128 KiB and up) mapped on their own and handed back when
///   freed. glibc otherwise raises that threshold to the largest block freed
///   so far, and a login's 19 MiB of Argon2 memory made every later block
///   under 19 MiB come from the arenas and stay there: 66 MB resident after
///   the load script's login against 47 MB with the threshold held.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (variable, option, value) in [
        ("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, 2),
        ("MALLOC_MMAP_THRESHOLD_", libc::M_MMAP_THRESHOLD, 128 * 1024),
    ] {
        if std::env::var_os(variable).is_none() {
            // SAFETY: mallopt only sets malloc's parameters; it is called
            // before any other thread exists.
            unsafe {
                libc::mallopt(option, value);
            }
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("password (input is shown; pipe it in to hide it):");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    Ok(password)
}

fn switch_user(state: &AppState, username: &str, disabled: bool) -> anyhow::Result<()> {
    let revoked = credentials::set_disabled_by_name(
        &mut *state.pool.get()?,
        &Actor::system("cli"),
        username,
        disabled,
    )?;
    let what = if disabled { "disabled" } else { "enabled" };
    println!("account {username} {what}; {revoked} token(s) revoked");
    Ok(())
}

fn add_user(
    state: &AppState,
    username: &str,
    role: RoleArg,
    enterprise_id: Option<String>,
    province: Option<String>,
) -> anyhow::Result<()> {
    let role = match role {
        RoleArg::Admin => "admin",
        RoleArg::Producer => "producer",
        RoleArg::Regulator => "regulator",
    };
    let password = read_password()?;
    let new = accounts::prepare(accounts::AccountRequest {
        username: username.to_owned(),
        password,
        role: role.to_owned(),
        enterprise_id,
        province,
    })?;
    let mut conn = state.pool.get()?;
    accounts::create(&mut conn, &Actor::system("cli"), &new)?;
    let username = &new.username;
    println!("account {username} ({role}) created");
    Ok(())
}
