//! What the portal and oversight pages show of export codes and lab
//! results, read within the caller's reach: codes with their facility,
//! owner and users named, a code's history from the audit log, and a
//! batch's market, codes, results and what its market still requires. The
//! writes stay in `service::export_codes` and `service::lab_results`.

use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role, Scope};
use crate::domain::market::{Analyte, ApprovalStatus, Market};
use crate::error::{AppError, AppResult};
use crate::models::audit_log::{self, EntityEntry};
use crate::models::batch::{self, Batch};
use crate::models::export_code::{self, CodeAlert, CodeView};
use crate::models::lab_result::{self, ResultView};
use crate::models::{enterprise, facility};

use super::export_codes::{self as codes, BatchCode};

/// A code as the lists show it.
#[derive(Debug, Clone)]
pub struct CodeListing {
    pub view: CodeView,
    pub facility: String,
    pub enterprise: String,
    /// The enterprises allowed to use it: (id, name).
    pub users: Vec<(String, String)>,
    /// Whether the caller's enterprise owns it (and so authorises others).
    pub owned: bool,
}

/// A list's filter: a market's status, a market.
#[derive(Debug, Clone, Default)]
pub struct CodeFilter {
    pub status: Option<ApprovalStatus>,
    pub market: Option<Market>,
}

impl CodeFilter {
    fn keeps(&self, view: &CodeView) -> bool {
        view.markets.iter().any(|m| {
            self.market.is_none_or(|x| x.as_str() == m.market)
                && self.status.is_none_or(|s| s.as_str() == m.status)
        }) || (self.market.is_none() && self.status.is_none())
    }
}

fn name_of_enterprise(conn: &mut DbConnection, id: &str) -> AppResult<String> {
    Ok(enterprise::find(conn, &Scope::All, id)?
        .map(|e| e.name)
        .unwrap_or_else(|| id.to_owned()))
}

fn listing(conn: &mut DbConnection, caller: &Caller, view: CodeView) -> AppResult<CodeListing> {
    // Codes are public by design (open data): their facility and owner are
    // named whoever reads them.
    let facility = facility::find(conn, &Scope::All, &view.code.facility_id)?
        .map(|f| f.name)
        .unwrap_or_default();
    let enterprise = name_of_enterprise(conn, &view.code.enterprise_id)?;
    let mut users = Vec::new();
    for id in &view.authorised_enterprises {
        users.push((id.clone(), name_of_enterprise(conn, id)?));
    }
    Ok(CodeListing {
        owned: matches!(caller.scope(), Scope::Enterprise(e) if e == view.code.enterprise_id),
        facility,
        enterprise,
        users,
        view,
    })
}

/// The codes within the caller's reach (a producer's own and those it may
/// use; a regulator's province's), filtered.
pub fn codes_in_reach(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &CodeFilter,
) -> AppResult<Vec<CodeListing>> {
    export_code::list(conn, &caller.scope())?
        .into_iter()
        .filter(|v| filter.keeps(v))
        .map(|v| listing(conn, caller, v))
        .collect()
}

/// A code in reach with its history (every audited change, oldest first).
pub fn code_record(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> AppResult<(CodeListing, Vec<EntityEntry>)> {
    let view = codes::visible(conn, caller, id)?;
    let history = audit_log::of_entity(conn, "export_code", &view.code.id)?;
    Ok((listing(conn, caller, view)?, history))
}

/// Authorises (or withdraws) the enterprise registered with `tax_code`: a
/// producer knows its packer by its tax code.
pub fn authorise_by_tax_code(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    tax_code: &str,
) -> AppResult<CodeView> {
    let tax_code = tax_code.trim();
    let Some(found) = enterprise::by_tax_code(conn, tax_code)? else {
        return Err(AppError::rule(
            crate::error::RuleKind::Invalid,
            Some("tax_code"),
            "no enterprise is registered with this tax code",
            "không có doanh nghiệp nào đăng ký với mã số thuế này",
        ));
    };
    codes::authorise(
        conn,
        caller,
        id,
        codes::Authorisation {
            enterprise_id: crate::domain::id::Id::parse(&found.id)
                .ok_or_else(|| AppError::Internal("a stored enterprise id".into()))?,
        },
        true,
    )
}

/// Code alerts (misuse, implausible yield) in reach over the last `days`.
pub fn recent_alerts(
    conn: &mut DbConnection,
    caller: &Caller,
    days: i64,
) -> AppResult<Vec<CodeAlert>> {
    let now = crate::time::now();
    let mut rows = export_code::alerts(
        conn,
        &caller.scope(),
        now - chrono::Duration::days(days),
        now + chrono::Duration::seconds(1),
    )?;
    rows.sort_by_key(|a| std::cmp::Reverse(a.raised_at));
    Ok(rows)
}

/// A batch's export side: its market, the codes it came through, its lab
/// results, and what its market still requires.
pub struct BatchExport {
    pub batch: Batch,
    pub market: Option<Market>,
    pub codes: Vec<BatchCode>,
    pub results: Vec<ResultView>,
    /// The market's required analytes no passing recognised result covers
    /// yet (empty when none is required or all are covered).
    pub missing: Vec<Analyte>,
    /// Whether the market requires lab results at all.
    pub required: bool,
    /// Whether the caller may withdraw the batch's results (its enterprise,
    /// a regulator of its province, an admin).
    pub may_withdraw: bool,
}

pub fn batch_export(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    batch_id: &str,
) -> AppResult<BatchExport> {
    let row = batch::find(conn, &caller.scope(), batch_id)?
        .ok_or_else(|| AppError::not_found("batch"))?;
    let codes = codes::batch_codes(conn, &row)?;
    let results = lab_result::of_batch(conn, &row.id)?;
    let needs = super::lab_results::missing_for_market(conn, config, &row)?;
    let may_withdraw = match caller.role {
        Role::Producer { .. } => super::access::editable_batch(conn, caller, &row.id).is_ok(),
        Role::Regulator { .. } | Role::Admin => true,
    };
    Ok(BatchExport {
        may_withdraw,
        market: row.market.as_deref().and_then(|m| Market::parse(m).ok()),
        required: needs.is_some(),
        missing: needs.map(|(_, m)| m).unwrap_or_default(),
        codes,
        results,
        batch: row,
    })
}

/// The codes a batch's enterprise may state (its own and those it is
/// authorised to use), for the producer's choice.
pub fn usable_codes(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<CodeView>> {
    Ok(export_code::list(conn, &caller.scope())?)
}
