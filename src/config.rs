//! Run-time configuration, read from the command line and the environment by
//! clap and handed to whoever needs it — there is no global.

use crate::db::DbTarget;
use clap::Args;

/// Settings shared by every command that opens the database or serves.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite://PATH`, a bare file path (SQLite), or `postgres://…` / `postgresql://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "./tracestamp.db")]
    pub database_url: String,

    /// Public base URL printed in stamps' QR codes (scheme and host, no trailing slash).
    #[arg(long, env = "PUBLIC_BASE_URL", default_value = "http://127.0.0.1:8080")]
    pub public_base_url: String,

    /// Largest number of pooled database connections (default: 4 on
    /// SQLite, 8 on PostgreSQL; see `Config::pool_size`).
    #[arg(long, env = "DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,

    /// How long a login session lasts, in hours.
    #[arg(long, env = "SESSION_HOURS", default_value_t = 12)]
    pub session_hours: i64,

    /// Mark the session cookie `Secure` (set when served over HTTPS; it is
    /// always set when `PUBLIC_BASE_URL` is https).
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,

    /// Days an API token lives unless its owner asks for fewer.
    #[arg(long, env = "TOKEN_DAYS", default_value_t = 90)]
    pub token_days: i64,

    /// Reverse proxies (comma-separated CIDRs, e.g. `10.0.0.0/8,::1/128`)
    /// whose `X-Forwarded-For` / `Forwarded` headers are believed; from
    /// any other peer those headers are ignored (see `client.rs`).
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Distinct checkers of one stamp, each weighted by how recently it was
    /// seen, from which its verdict turns "suspicious" (`domain::checkers`).
    #[arg(long, env = "CLONE_CHECKERS", default_value_t = 5.0)]
    pub clone_checkers: f64,

    /// Hours in which a checker's weight halves.
    #[arg(long, env = "CLONE_HALF_LIFE_HOURS", default_value_t = 72.0)]
    pub clone_half_life_hours: f64,

    /// Provinces at least this far apart (km between centres) can be "far
    /// apart" for the clone rule; nearer ones never are.
    #[arg(long, env = "CLONE_FAR_KM", default_value_t = 300.0)]
    pub clone_far_km: f64,

    /// The door-to-door speed (km/h) above which one label cannot have
    /// moved between two checks: checks farther apart than this covers in
    /// the hours between them are "far apart".
    #[arg(long, env = "CLONE_TRAVEL_KMH", default_value_t = 60.0)]
    pub clone_travel_kmh: f64,

    /// EPCIS captures an enterprise may send per minute on one node (its
    /// burst too); 0 turns the limit off.
    #[arg(long, env = "EPCIS_CAPTURES_PER_MINUTE", default_value_t = 30)]
    pub epcis_captures_per_minute: u32,

    /// EPCIS events an enterprise may keep stored (its quota); a capture
    /// that would pass it is refused whole.
    #[arg(long, env = "EPCIS_EVENT_QUOTA", default_value_t = 1_000_000)]
    pub epcis_event_quota: i64,

    /// Seconds a request body may take to arrive, plus one per 32 KiB
    /// delivered (`body_deadline`).
    #[arg(long, env = "BODY_TIMEOUT_SECS", default_value_t = 10)]
    pub body_timeout_secs: u64,

    /// Scans a node holds unwritten at most (while the database is away);
    /// past it new scans are dropped and counted (`scans_dropped_total`).
    #[arg(long, env = "SCAN_BUFFER_MAX", default_value_t = 500_000)]
    pub scan_buffer_max: usize,

    /// Whole months of raw scans kept before the current one; older ones
    /// are dropped (PostgreSQL: their monthly partitions) hourly. 0 keeps
    /// everything. Stamps' summaries and the daily rollup are kept.
    #[arg(long, env = "SCAN_RETENTION_MONTHS", default_value_t = 0)]
    pub scan_retention_months: u32,

    /// How often (milliseconds) a node checks the database for changes to
    /// public records it has cached; writes served by the node itself show
    /// at once. 0 checks on every lookup.
    #[arg(long, env = "RESOLVER_CACHE_MS", default_value_t = 500)]
    pub resolver_cache_ms: u64,

    /// Login attempts per minute per client address and per username
    /// (answered 429 past it); 0 turns the limit off.
    #[arg(long, env = "LOGIN_RATE_PER_MINUTE", default_value_t = 10)]
    pub login_rate_per_minute: u32,

    /// Public resolver requests per minute per client address (`/s/…`,
    /// `/S/…`, `/01/…`, QR images); 0 turns the limit off.
    #[arg(long, env = "RESOLVER_RATE_PER_MINUTE", default_value_t = 600)]
    pub resolver_rate_per_minute: u32,

    /// Resolver requests a client may send at once before the per-minute
    /// rate applies.
    #[arg(long, env = "RESOLVER_RATE_BURST", default_value_t = 100)]
    pub resolver_rate_burst: u32,

    /// Reports of suspected fakes one client address may send per hour
    /// (answered 429 past it, nothing stored); 0 turns the limit off.
    #[arg(long, env = "REPORT_RATE_PER_HOUR", default_value_t = 5)]
    pub report_rate_per_hour: u32,

    /// How far ahead of now (hours) an event may be dated, by the API,
    /// the portal or EPCIS capture: enough for clocks and time zones, not
    /// for a typo that would sit atop the public timeline for years.
    #[arg(long, env = "EVENT_MAX_AHEAD_HOURS", default_value_t = 24)]
    pub event_max_ahead_hours: i64,

    /// The hotline a consumer is told to call about a recall, per province
    /// (`Vĩnh Long=0270 3822 123;Cần Thơ=0292 …`; `national=…` for recalls
    /// an administrator ordered). A recall of a province without one shows
    /// none.
    #[arg(long, env = "RECALL_HOTLINES", default_value = "")]
    pub recall_hotlines: String,

    /// Plausible yields overriding the defaults of `domain::market`
    /// (`durian=25,pomelo=30`, tonnes per hectare): a batch harvested beyond
    /// its planting area's raises an alert.
    #[arg(long, env = "CROP_YIELDS", default_value = "")]
    pub crop_yields: String,

    /// Lab analytes a market requires per crop before stamps, overriding
    /// the defaults of `domain::market`
    /// (`cn:durian=cadmium+auramine_o;us:*=pesticide_residues`).
    #[arg(long, env = "LAB_REQUIREMENTS", default_value = "")]
    pub lab_requirements: String,

    /// Log lines as text or as one JSON object a line.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines are written (`observe::logging`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Refuses settings the service cannot run with, naming the setting, so
    /// a typo stops the start with a message instead of a panic later or a
    /// wrong URL in every printed QR code.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(size) = self.db_pool_size.filter(|s| !(1..=1000).contains(s)) {
            return Err(format!(
                "DB_POOL_SIZE must be between 1 and 1000, not {size}"
            ));
        }
        check_public_base_url(&self.public_base_url)?;
        if !(1..=24 * 366).contains(&self.session_hours) {
            return Err(format!(
                "SESSION_HOURS must be between 1 and 8784, not {}",
                self.session_hours
            ));
        }
        if !(1..=3660).contains(&self.token_days) {
            return Err(format!(
                "TOKEN_DAYS must be between 1 and 3660, not {}",
                self.token_days
            ));
        }
        if !(1..=1_000_000_000).contains(&self.epcis_event_quota) {
            return Err(format!(
                "EPCIS_EVENT_QUOTA must be between 1 and 1000000000, not {}",
                self.epcis_event_quota
            ));
        }
        if !(1..=600).contains(&self.body_timeout_secs) {
            return Err(format!(
                "BODY_TIMEOUT_SECS must be between 1 and 600, not {}",
                self.body_timeout_secs
            ));
        }
        if !(1_000..=50_000_000).contains(&self.scan_buffer_max) {
            return Err(format!(
                "SCAN_BUFFER_MAX must be between 1000 and 50000000, not {}",
                self.scan_buffer_max
            ));
        }
        if self.scan_retention_months > 1200 {
            return Err(format!(
                "SCAN_RETENTION_MONTHS must be between 0 (keep all) and 1200, not {}",
                self.scan_retention_months
            ));
        }
        // Two checkers at least: one alone is the honest buyer.
        if !(2.0..=1_000_000.0).contains(&self.clone_checkers) {
            return Err(format!(
                "CLONE_CHECKERS must be between 2 and 1000000, not {}",
                self.clone_checkers
            ));
        }
        if !(1.0..=87_840.0).contains(&self.clone_half_life_hours) {
            return Err(format!(
                "CLONE_HALF_LIFE_HOURS must be between 1 and 87840 (ten years), not {}",
                self.clone_half_life_hours
            ));
        }
        // Vietnam is about 1,650 km long: farther never happens.
        if !(10.0..=2_000.0).contains(&self.clone_far_km) {
            return Err(format!(
                "CLONE_FAR_KM must be between 10 and 2000, not {}",
                self.clone_far_km
            ));
        }
        if !(1.0..=1_000.0).contains(&self.clone_travel_kmh) {
            return Err(format!(
                "CLONE_TRAVEL_KMH must be between 1 and 1000, not {}",
                self.clone_travel_kmh
            ));
        }
        recall_hotlines(&self.recall_hotlines)?;
        crate::domain::market::ExportRules::parse(&self.crop_yields, &self.lab_requirements)?;
        Ok(())
    }

    /// The recall hotline of `authority` (a province, or `national`), if
    /// one is configured.
    pub fn recall_hotline(&self, authority: &str) -> Option<String> {
        recall_hotlines(&self.recall_hotlines)
            .ok()?
            .into_iter()
            .find(|(who, _)| who == authority)
            .map(|(_, phone)| phone)
    }

    /// Crop yields and lab requirements in force (checked at start by
    /// [`Config::validate`]; defaults if unparsable).
    pub fn export_rules(&self) -> crate::domain::market::ExportRules {
        crate::domain::market::ExportRules::parse(&self.crop_yields, &self.lab_requirements)
            .unwrap_or_default()
    }

    /// Whether cookies must carry `Secure`: asked for, or implied by an
    /// https public address (a browser there never sends plain HTTP).
    pub fn secure_cookies(&self) -> bool {
        self.cookie_secure
            || self
                .public_base_url
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    }

    pub fn clone_rule(&self) -> crate::domain::checkers::CloneRule {
        crate::domain::checkers::CloneRule {
            checkers: self.clone_checkers,
            half_life_hours: self.clone_half_life_hours,
            far_km: self.clone_far_km,
            travel_kmh: self.clone_travel_kmh,
        }
    }

    pub fn resolver_cache_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.resolver_cache_ms)
    }

    /// The latest time an event recorded at `now` may carry.
    pub fn latest_event_time(&self, now: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        now + chrono::Duration::hours(self.event_max_ahead_hours.max(0))
    }

    /// The pool's size: `DB_POOL_SIZE`, else the database's own default
    /// (`DbTarget::default_pool_size`: 4 on SQLite, 8 on PostgreSQL; an
    /// unreadable `DATABASE_URL` stops the start before any pool is made).
    pub fn pool_size(&self) -> u32 {
        self.db_pool_size.unwrap_or_else(|| {
            DbTarget::parse(&self.database_url).map_or(8, |target| target.default_pool_size())
        })
    }

    /// The public base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.public_base_url.trim_end_matches('/')
    }

    /// The settings tests and tools start from: the given database, defaults
    /// for everything else.
    pub fn for_database(database_url: &str) -> Self {
        Config {
            database_url: database_url.to_owned(),
            public_base_url: "http://127.0.0.1:8080".into(),
            db_pool_size: Some(4),
            session_hours: 12,
            cookie_secure: false,
            token_days: 90,
            trusted_proxies: Vec::new(),
            clone_checkers: 5.0,
            clone_half_life_hours: 72.0,
            clone_far_km: 300.0,
            clone_travel_kmh: 60.0,
            scan_buffer_max: 500_000,
            scan_retention_months: 0,
            body_timeout_secs: 10,
            epcis_captures_per_minute: 30,
            epcis_event_quota: 1_000_000,
            // Tests and tools edit the database directly, behind the
            // resolver's back: check for changes on every lookup.
            resolver_cache_ms: 0,
            login_rate_per_minute: 10,
            resolver_rate_per_minute: 600,
            resolver_rate_burst: 100,
            report_rate_per_hour: 5,
            event_max_ahead_hours: 24,
            recall_hotlines: String::new(),
            crop_yields: String::new(),
            lab_requirements: String::new(),
            log_format: LogFormat::Text,
        }
    }
}

/// `RECALL_HOTLINES` as (authority, phone) pairs: each key a province
/// (spelt as the registry spells it, whatever the case) or `national`, each
/// value a telephone number, no key twice.
fn recall_hotlines(text: &str) -> Result<Vec<(String, String)>, String> {
    use crate::domain::validate as v;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for entry in text.split(';').filter(|e| !e.trim().is_empty()) {
        let refuse = |why: String| {
            Err(format!(
                "RECALL_HOTLINES must be `Province=phone;Province=phone` ({why}): {entry:?}"
            ))
        };
        let Some((who, phone)) = entry.split_once('=') else {
            return refuse("an entry has no `=`".into());
        };
        let who = if who
            .trim()
            .eq_ignore_ascii_case(crate::domain::kinds::NATIONAL_AUTHORITY)
        {
            crate::domain::kinds::NATIONAL_AUTHORITY.to_owned()
        } else {
            match v::province("province", who) {
                Ok(p) => p,
                Err(e) => return refuse(e.message),
            }
        };
        let phone = match v::phone("phone", phone) {
            Ok(p) => p,
            Err(_) => return refuse(format!("{:?} is not a telephone number", phone.trim())),
        };
        if pairs.iter().any(|(known, _)| *known == who) {
            return refuse(format!("{who} is named twice"));
        }
        pairs.push((who, phone));
    }
    Ok(pairs)
}

/// The public base URL goes into every QR code printed: an absolute http(s)
/// URL with a host, and nothing after the path (no query, fragment, user or
/// spaces) that would end up in a serial's link.
fn check_public_base_url(text: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "PUBLIC_BASE_URL must be an absolute http(s) URL such as https://tx.example.vn \
             ({why}): {text:?}"
        ))
    };
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return refuse("no spaces or control characters");
    }
    let parsed = match url::Url::parse(text) {
        Ok(u) => u,
        Err(e) => return refuse(&e.to_string()),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return refuse("the scheme is not http or https");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return refuse("no host");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return refuse("no user or password");
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return refuse("no query or fragment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_is_smaller_on_sqlite_unless_set() {
        let mut c = Config::for_database("x.db");
        c.db_pool_size = None;
        assert_eq!(c.pool_size(), 4);
        c.database_url = "postgres://postgres@127.0.0.1/test".into();
        assert_eq!(c.pool_size(), 8);
        c.db_pool_size = Some(12);
        assert_eq!(c.pool_size(), 12);
    }

    #[test]
    fn settings_the_service_cannot_run_with_are_refused_by_name() {
        let good = Config::for_database("x.db");
        assert_eq!(good.validate(), Ok(()));
        let mut c = good.clone();
        c.db_pool_size = Some(0);
        assert!(c.validate().unwrap_err().contains("DB_POOL_SIZE"));
        for bad in [
            "",
            "tx.example.vn",
            "ftp://tx.example.vn",
            "https://",
            "https://tx.example.vn/?a=1",
            "https://tx.example.vn/#x",
            "https://user:pw@tx.example.vn",
            "https://tx.example.vn\n",
            "https://tx example.vn",
        ] {
            let mut c = good.clone();
            c.public_base_url = bad.into();
            let refused = c.validate().unwrap_err();
            assert!(refused.contains("PUBLIC_BASE_URL"), "{bad:?}: {refused}");
        }
        for fine in [
            "https://tx.example.vn",
            "http://127.0.0.1:8080/",
            "https://example.vn/tx",
        ] {
            let mut c = good.clone();
            c.public_base_url = fine.into();
            assert_eq!(c.validate(), Ok(()), "{fine}");
        }
        let mut c = good.clone();
        c.session_hours = 0;
        assert!(c.validate().unwrap_err().contains("SESSION_HOURS"));
        let mut c = good.clone();
        c.clone_far_km = 5_000.0;
        assert!(c.validate().unwrap_err().contains("CLONE_FAR_KM"));
        let mut c = good.clone();
        c.clone_travel_kmh = 0.0;
        assert!(c.validate().unwrap_err().contains("CLONE_TRAVEL_KMH"));
        let mut c = good.clone();
        c.scan_retention_months = 1201;
        assert!(c.validate().unwrap_err().contains("SCAN_RETENTION_MONTHS"));
        c.scan_retention_months = 24;
        assert_eq!(c.validate(), Ok(()));
        for bad in [
            "Vĩnh Long",
            "Vinh Long=0270 3822 123",
            "Vĩnh Long=call us",
            "Vĩnh Long=0270 3822 123;vĩnh long=0270 3822 124",
        ] {
            let mut c = good.clone();
            c.recall_hotlines = bad.into();
            let refused = c.validate().unwrap_err();
            assert!(refused.contains("RECALL_HOTLINES"), "{bad:?}: {refused}");
        }
        let mut c = good.clone();
        c.recall_hotlines =
            " vĩnh long = 0270 3822 123 ; Cần Thơ=0292 3820 000;NATIONAL=1800 1234;".into();
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(
            c.recall_hotline("Vĩnh Long").as_deref(),
            Some("0270 3822 123")
        );
        assert_eq!(c.recall_hotline("national").as_deref(), Some("1800 1234"));
        assert_eq!(c.recall_hotline("Cà Mau"), None);
    }

    #[test]
    fn an_https_public_address_makes_cookies_secure() {
        let mut c = Config::for_database("x.db");
        assert!(!c.secure_cookies());
        c.public_base_url = "HTTPS://TX.EXAMPLE.VN".into();
        assert!(c.secure_cookies());
    }
}
