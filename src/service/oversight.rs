//! What regulators do: inspect facilities, suspend and reinstate them,
//! recall batches (and everything made from them), and trace lot genealogy
//! within the reader's reach.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::photos::{self, CleanPhoto, OwnerKind};
use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role, Scope};
use crate::domain::checklist;
use crate::domain::fold;
use crate::domain::kinds::{BatchStatus, FacilityKind, FacilityStatus};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::error::{Refusal, RuleKind};
use crate::models::alerts::{self, Alert};
use crate::models::batch::{self, Batch};
use crate::models::certification::Certification;
use crate::models::facility::{self, Facility};
use crate::models::genealogy::{self, Direction, Link, TracedBatch};
use crate::models::inspection::{self, Inspection, InspectionFields};
use crate::models::inspection_check::{self, InspectionCheck};
use crate::models::standing;

use super::access::{overseer, visible_batch, visible_facility};

pub fn inspect(
    conn: &mut DbConnection,
    caller: &Caller,
    facility_id: &str,
    fields: InspectionFields,
) -> AppResult<Inspection> {
    Ok(inspect_with_photos(conn, caller, facility_id, fields, Vec::new())?.inspection)
}

/// An inspection with its checklist's answers and photos, as shown on the
/// facility's record and to the producer (failed items first).
#[derive(Debug, Serialize)]
pub struct InspectionRecord {
    #[serde(flatten)]
    pub inspection: Inspection,
    pub checks: Vec<CheckShown>,
    pub photos: Vec<crate::models::photo::PhotoRef>,
}

/// One checklist answer with its item's wording.
#[derive(Debug, Clone, Serialize)]
pub struct CheckShown {
    pub code: String,
    pub vi: String,
    pub en: String,
    pub answer: String,
    pub note: Option<String>,
}

impl CheckShown {
    pub fn failed(&self) -> bool {
        self.answer == checklist::Answer::Fail.as_str()
    }
}

/// Records an inspection (issue 19: with the facility kind's checklist,
/// when given, and the officer's cleaned photos) in one transaction. The
/// inspection's own fields and the checklist are checked together, so
/// every problem is reported at once and nothing is written.
pub fn inspect_with_photos(
    conn: &mut DbConnection,
    caller: &Caller,
    facility_id: &str,
    mut fields: InspectionFields,
    pictures: Vec<CleanPhoto>,
) -> AppResult<InspectionRecord> {
    let given = fields.checklist.take();
    audit::write_transaction(conn, |conn| {
        let target = visible_facility(conn, caller, facility_id)?;
        if !matches!(caller.role, Role::Regulator { .. }) {
            return Err(AppError::Forbidden(
                "only a regulator of the facility's province records inspections".into(),
            ));
        }
        let kind = FacilityKind::parse(&target.kind).map_err(AppError::Internal)?;
        let now = crate::time::now();
        let row = fields.create(
            crate::domain::id::new_id(),
            target.id.clone(),
            caller.account_id.clone(),
            now.date(),
            now,
        );
        let checks = given.as_deref().map(|g| checklist::check(kind, g));
        let (row, checks) = match (row, checks) {
            (Ok(row), None) => (row, Vec::new()),
            (Ok(row), Some(Ok(checks))) => (row, checks),
            (Err(e), None | Some(Ok(_))) => return Err(e.into()),
            (row, checks) => {
                let mut all = Vec::new();
                if let Err(e) = row {
                    all.push(Refusal {
                        kind: RuleKind::Invalid,
                        field: Some(e.field),
                        vi: e.message.clone(),
                        en: e.message,
                    });
                }
                if let Some(Err(problems)) = checks {
                    all.extend(problems.into_iter().map(|p| Refusal {
                        kind: RuleKind::Invalid,
                        field: Some(p.field),
                        en: p.en,
                        vi: p.vi,
                    }));
                }
                return Err(AppError::Fields(all));
            }
        };
        inspection::insert(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "inspection", &row.id, &row)?;
        let check_rows: Vec<InspectionCheck> = checks
            .iter()
            .map(|c| InspectionCheck {
                inspection_id: row.id.clone(),
                code: c.code.to_owned(),
                answer: c.answer.as_str().to_owned(),
                note: c.note.clone(),
            })
            .collect();
        inspection_check::insert(conn, &check_rows)?;
        let alt = format!("Ảnh kiểm tra tại {}", target.name);
        let photos = photos::keep(conn, caller, OwnerKind::Inspection, &row.id, &alt, pictures)?;
        let checks = shown(check_rows);
        Ok(InspectionRecord {
            inspection: row,
            checks,
            photos,
        })
    })
}

/// Checklist rows with their wording, failed items first, then in the
/// checklist's order.
fn shown(rows: Vec<InspectionCheck>) -> Vec<CheckShown> {
    let mut out: Vec<(bool, usize, CheckShown)> = rows
        .into_iter()
        .map(|r| {
            let (vi, en, at) = match checklist::find(&r.code) {
                Some(item) => {
                    let at = FacilityKind::ALL
                        .iter()
                        .flat_map(|k| checklist::items(*k))
                        .position(|i| i.code == item.code)
                        .unwrap_or(usize::MAX);
                    (item.vi.to_owned(), item.en.to_owned(), at)
                }
                None => (r.code.clone(), r.code.clone(), usize::MAX),
            };
            let shown = CheckShown {
                code: r.code,
                vi,
                en,
                answer: r.answer,
                note: r.note,
            };
            (!shown.failed(), at, shown)
        })
        .collect();
    out.sort_by_key(|(passed, at, _)| (*passed, *at));
    out.into_iter().map(|(_, _, s)| s).collect()
}

/// These inspections with their checklists and photos, in the given order.
pub fn inspection_records(
    conn: &mut DbConnection,
    inspections: Vec<Inspection>,
) -> AppResult<Vec<InspectionRecord>> {
    let ids: Vec<String> = inspections.iter().map(|i| i.id.clone()).collect();
    let mut checks = inspection_check::of(conn, &ids)?;
    let mut pictures = photos::of(conn, OwnerKind::Inspection, &ids)?;
    Ok(inspections
        .into_iter()
        .map(|inspection| {
            let (mine, rest): (Vec<_>, Vec<_>) = checks
                .drain(..)
                .partition(|c| c.inspection_id == inspection.id);
            checks = rest;
            let (shots, rest): (Vec<_>, Vec<_>) = pictures
                .drain(..)
                .partition(|p| p.owner_id == inspection.id);
            pictures = rest;
            InspectionRecord {
                inspection,
                checks: shown(mine),
                photos: shots,
            }
        })
        .collect())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

/// Suspends or reinstates a facility, with the regulator's reason.
pub fn set_facility_status(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Reason,
    status: FacilityStatus,
) -> AppResult<Facility> {
    let reason = v::text("reason", &body.reason, 1000)?;
    audit::write_transaction(conn, |conn| {
        let before = visible_facility(conn, caller, id)?;
        overseer(caller)?;
        if before.status == status.as_str() {
            return Err(AppError::Conflict(format!(
                "the facility is already {status}"
            )));
        }
        let mut after = before.clone();
        after.status = status.as_str().to_owned();
        after.status_reason = Some(reason);
        after.updated_at = crate::time::now();
        facility::save(conn, &after)?;
        let action = match status {
            FacilityStatus::Suspended => "suspend",
            FacilityStatus::Active => "reinstate",
        };
        audit::acted(
            conn,
            &Actor::from(caller),
            action,
            "facility",
            &after.id,
            &before,
            &after,
        )?;
        Ok(after)
    })
}

#[derive(Debug, Serialize)]
pub struct RecallAnswer {
    /// The batch itself first, then every batch made from it.
    pub batches: Vec<String>,
}

/// Marks `row` recalled (or active again) and records the act with the
/// regulator's reason; a recall keeps when and by whom, for the consumer.
fn set_batch_status(
    conn: &mut DbConnection,
    caller: &Caller,
    before: Batch,
    status: BatchStatus,
    reason: &str,
    because: Option<String>,
) -> AppResult<()> {
    let mut after = before.clone();
    after.status = status.as_str().to_owned();
    after.recall_reason = (status == BatchStatus::Recalled).then(|| reason.to_owned());
    after.recalled_because = because;
    let recalled = status == BatchStatus::Recalled;
    after.updated_at = crate::time::now();
    after.recalled_at = recalled.then_some(after.updated_at);
    after.recall_authority = recalled.then(|| authority(caller).to_owned());
    batch::save(conn, &after)?;
    let action = match status {
        BatchStatus::Recalled => "recall",
        BatchStatus::Active => "unrecall",
    };
    let recorded = serde_json::json!({"batch": after, "reason": reason});
    audit::acted(
        conn,
        &Actor::from(caller),
        action,
        "batch",
        &after.id,
        &before,
        &recorded,
    )
}

/// Who orders a recall, as the consumer page names it: the regulator's
/// province, or the national administration.
fn authority(caller: &Caller) -> &str {
    match &caller.role {
        Role::Regulator { province } => province,
        _ => crate::domain::kinds::NATIONAL_AUTHORITY,
    }
}

/// Recalls a batch and, for safety, every batch made from it wherever it is.
pub fn recall(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Reason,
) -> AppResult<RecallAnswer> {
    let reason = v::text("reason", &body.reason, 1000)?;
    audit::write_transaction(conn, |conn| {
        let root = visible_batch(conn, caller, id)?;
        overseer(caller)?;
        if root.status == BatchStatus::Recalled.as_str() {
            return Err(AppError::Conflict("the batch is already recalled".into()));
        }
        let (depths, _) = genealogy::walk(conn, &root.id, Direction::Forward)?;
        let mut recalled = vec![root.id.clone()];
        let derived_reason = format!(
            "Làm từ lô bị thu hồi {} / made from recalled lot {}: {reason}",
            root.lot_code, root.lot_code
        );
        for id in depths.keys().filter(|id| **id != root.id) {
            let Some(row) = batch::find(conn, &Scope::All, id)? else {
                continue;
            };
            if row.status == BatchStatus::Active.as_str() {
                set_batch_status(
                    conn,
                    caller,
                    row,
                    BatchStatus::Recalled,
                    &derived_reason,
                    Some(root.id.clone()),
                )?;
                recalled.push(id.clone());
            }
        }
        set_batch_status(conn, caller, root, BatchStatus::Recalled, &reason, None)?;
        Ok(RecallAnswer { batches: recalled })
    })
}

/// Lifts a recall, with the batches recalled because of it.
pub fn unrecall(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Reason,
) -> AppResult<RecallAnswer> {
    let reason = v::text("reason", &body.reason, 1000)?;
    audit::write_transaction(conn, |conn| {
        let root = visible_batch(conn, caller, id)?;
        overseer(caller)?;
        if root.status != BatchStatus::Recalled.as_str() {
            return Err(AppError::Conflict("the batch is not recalled".into()));
        }
        if let Some(cause) = &root.recalled_because {
            return Err(AppError::Conflict(format!(
                "this batch is recalled because of input batch {cause}; lift that recall instead"
            )));
        }
        let mut lifted = vec![root.id.clone()];
        for row in batch::recalled_because_of(conn, &root.id)? {
            lifted.push(row.id.clone());
            set_batch_status(conn, caller, row, BatchStatus::Active, &reason, None)?;
        }
        set_batch_status(conn, caller, root, BatchStatus::Active, &reason, None)?;
        Ok(RecallAnswer { batches: lifted })
    })
}

/// Days of scans a recall preview counts: how many consumers read the
/// stamps lately, i.e. how many may hold the goods.
pub const RECENT_SCAN_DAYS: i64 = 30;

/// A lot a recall would reach, with what it would change for consumers.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedLot {
    pub batch_id: String,
    pub lot_code: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub facility_id: String,
    pub facility_name: String,
    /// Tiers from the lot recalled (0 for that lot).
    pub depth: usize,
    /// Already recalled: the recall leaves it as it is.
    pub already_recalled: bool,
    /// Stamps in its rolls not voided whole.
    pub stamps: i64,
    /// Scans of those stamps in the last `RECENT_SCAN_DAYS` days.
    pub recent_scans: i64,
}

/// What a recall of a lot would affect, before the regulator confirms it.
#[derive(Debug, Clone, Serialize)]
pub struct RecallPreview {
    pub batch_id: String,
    pub recent_scan_days: i64,
    /// The lot first, then the lots made from it within the reader's reach.
    pub lots: Vec<AffectedLot>,
    /// Lots made from it outside the reader's reach: recalled too, counted
    /// here (and in the totals) but not named.
    pub elsewhere: usize,
    /// Over every affected lot, the outside ones included.
    pub stamps: i64,
    pub recent_scans: i64,
}

/// What `recall` would affect: the lot, every lot made from it (as the
/// recall itself walks the genealogy), their live stamps and recent scans.
pub fn recall_preview(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> AppResult<RecallPreview> {
    let root = visible_batch(conn, caller, id)?;
    overseer(caller)?;
    let (depths, _) = genealogy::walk(conn, &root.id, Direction::Forward)?;
    let described = genealogy::describe(conn, &depths)?;
    let ids: Vec<&str> = described.iter().map(|b| b.id.as_str()).collect();
    let stamps = crate::models::stats::live_stamps_of(conn, &ids)?;
    let since = crate::time::today() - chrono::Duration::days(RECENT_SCAN_DAYS - 1);
    let scans = crate::models::stats::scans_of_since(conn, &ids, since)?;
    let scope = caller.scope();
    let mut preview = RecallPreview {
        batch_id: root.id.clone(),
        recent_scan_days: RECENT_SCAN_DAYS,
        lots: Vec::new(),
        elsewhere: 0,
        stamps: 0,
        recent_scans: 0,
    };
    for b in described {
        let lot_stamps = stamps.get(&b.id).copied().unwrap_or(0);
        let lot_scans = scans.get(&b.id).copied().unwrap_or(0);
        preview.stamps += lot_stamps;
        preview.recent_scans += lot_scans;
        if !within(&scope, &b) {
            preview.elsewhere += 1;
            continue;
        }
        preview.lots.push(AffectedLot {
            already_recalled: b.status == BatchStatus::Recalled.as_str(),
            batch_id: b.id,
            lot_code: b.lot_code,
            product_name_vi: b.product_name_vi,
            product_name_en: b.product_name_en,
            facility_id: b.facility_id,
            facility_name: b.facility_name,
            depth: b.depth,
            stamps: lot_stamps,
            recent_scans: lot_scans,
        });
    }
    preview
        .lots
        .sort_by(|a, b| (a.depth, &a.lot_code).cmp(&(b.depth, &b.lot_code)));
    Ok(preview)
}

/// A batch of a trace: in full within the reader's reach; outside it, only
/// its place in the graph — no lot, names, address or events.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TraceNode {
    Batch(Box<TracedBatch>),
    Outside {
        id: String,
        depth: usize,
        outside_reach: bool,
        note_vi: &'static str,
        note_en: &'static str,
    },
}

#[derive(Debug, Serialize)]
pub struct Trace {
    pub root: String,
    pub direction: &'static str,
    pub batches: Vec<TraceNode>,
    pub links: Vec<Link>,
}

fn within(scope: &Scope, b: &TracedBatch) -> bool {
    scope.reaches(&b.enterprise_id, &b.facility_province)
}

/// Traces a batch's genealogy backward or forward. Batches outside the
/// reader's reach (another province for a regulator, another enterprise for
/// a producer) appear as opaque nodes; their CTE rows are `service::fsma`'s.
pub fn trace(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    direction: Direction,
) -> AppResult<Trace> {
    let root = visible_batch(conn, caller, id)?;
    let (depths, links) = genealogy::walk(conn, &root.id, direction)?;
    let scope = caller.scope();
    let (inside, outside): (Vec<TracedBatch>, Vec<TracedBatch>) =
        genealogy::describe(conn, &depths)?
            .into_iter()
            .partition(|b| within(&scope, b));
    let mut batches: Vec<TraceNode> = inside
        .into_iter()
        .map(|b| TraceNode::Batch(Box::new(b)))
        .collect();
    batches.extend(outside.into_iter().map(|b| TraceNode::Outside {
        id: b.id,
        depth: b.depth,
        outside_reach: true,
        note_vi: "Lô hàng ngoài phạm vi của bạn",
        note_en: "A batch outside your reach",
    }));
    batches.sort_by_key(|n| match n {
        TraceNode::Batch(b) => b.depth,
        TraceNode::Outside { depth, .. } => *depth,
    });
    let direction = match direction {
        Direction::Backward => "backward",
        Direction::Forward => "forward",
    };
    Ok(Trace {
        root: root.id,
        direction,
        batches,
        links,
    })
}

// ---- the regulator's work queue ---------------------------------------------

/// Certificates expiring within this many days are in the work queue.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// A facility as its regulator sees it in lists: whose it is, how its last
/// inspection went and when the next one is due.
#[derive(Debug, Clone)]
pub struct Standing {
    pub facility: Facility,
    pub enterprise: String,
    pub last_inspected_on: Option<NaiveDate>,
    pub last_result: Option<String>,
    /// The corrective-action deadline the latest inspection set, if any: a
    /// later inspection answers an earlier one's.
    pub follow_up_due: Option<NaiveDate>,
    /// The last inspection plus the kind's frequency
    /// (`FacilityKind::inspection_every_days`); none when never inspected,
    /// which is due at once.
    pub next_due: Option<NaiveDate>,
}

impl Standing {
    pub fn due_by(&self, today: NaiveDate) -> bool {
        self.next_due.is_none_or(|d| d <= today)
    }

    pub fn overdue_action(&self, today: NaiveDate) -> bool {
        self.follow_up_due.is_some_and(|d| d < today)
    }
}

/// Every facility within the caller's reach with its standing, by name.
pub fn standings(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<Standing>> {
    overseer(caller)?;
    standings_in(conn, &caller.scope())
}

/// Every facility within `scope` with its standing, by name: for a
/// producer's own map as for a regulator's lists.
pub(crate) fn standings_in(conn: &mut DbConnection, scope: &Scope) -> AppResult<Vec<Standing>> {
    let rows = standing::facilities(conn, scope)?;
    let ids: Vec<String> = rows.iter().map(|(f, _)| f.id.clone()).collect();
    let mut latest = standing::latest_inspections(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(facility, enterprise)| {
            let last = latest.remove(&facility.id);
            let every = FacilityKind::parse(&facility.kind)
                .map(FacilityKind::inspection_every_days)
                .unwrap_or(365);
            Standing {
                enterprise,
                last_inspected_on: last.as_ref().map(|i| i.inspected_on),
                next_due: last
                    .as_ref()
                    .map(|i| i.inspected_on + chrono::Duration::days(every)),
                follow_up_due: last.as_ref().and_then(|i| i.follow_up_due),
                last_result: last.map(|i| i.result),
                facility,
            }
        })
        .collect())
}

/// How a facility list is sorted: a column, ascending unless `descending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Enterprise,
    District,
    LastInspection,
    NextDue,
}

impl SortKey {
    pub const ALL: &'static [(SortKey, &'static str)] = &[
        (SortKey::Name, "name"),
        (SortKey::Enterprise, "enterprise"),
        (SortKey::District, "district"),
        (SortKey::LastInspection, "last_inspection"),
        (SortKey::NextDue, "next_due"),
    ];

    pub fn as_str(self) -> &'static str {
        SortKey::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("name", |(_, s)| s)
    }
}

/// A facility search: folded text (name, address, commune), kind, status,
/// and the column to sort on (`-` before it for descending).
#[derive(Debug, Default, Clone)]
pub struct FacilitySearch {
    pub text: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub sort: Option<String>,
}

impl FacilitySearch {
    /// The sort column and direction; a misspelt column is refused rather
    /// than quietly sorted by name.
    pub fn sorting(&self) -> v::Checked<(SortKey, bool)> {
        let raw = self.sort.as_deref().unwrap_or("name");
        let (descending, name) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let key = SortKey::ALL
            .iter()
            .find(|(_, s)| *s == name)
            .map(|(k, _)| *k)
            .ok_or_else(|| {
                let names: Vec<&str> = SortKey::ALL.iter().map(|(_, s)| *s).collect();
                v::field_error("sort", format!("must be one of {}", names.join(", ")))
            })?;
        Ok((key, descending))
    }

    pub fn check(&self) -> v::Checked<()> {
        if let Some(k) = &self.kind {
            v::choice("kind", k, FacilityKind::parse)?;
        }
        if let Some(s) = &self.status {
            v::choice("status", s, FacilityStatus::parse)?;
        }
        if let Some(t) = &self.text {
            v::text("q", t, 100)?;
        }
        self.sorting().map(|_| ())
    }
}

/// The facilities within the caller's reach that match `search`, sorted;
/// names, addresses and communes match without diacritics ("tra on" finds
/// "Trà Ôn").
pub fn search_facilities(
    conn: &mut DbConnection,
    caller: &Caller,
    search: &FacilitySearch,
) -> AppResult<Vec<Standing>> {
    search.check()?;
    let (key, descending) = search.sorting()?;
    let mut rows: Vec<Standing> = standings(conn, caller)?
        .into_iter()
        .filter(|s| search.kind.as_ref().is_none_or(|k| &s.facility.kind == k))
        .filter(|s| {
            search
                .status
                .as_ref()
                .is_none_or(|st| &s.facility.status == st)
        })
        .filter(|s| {
            search.text.as_ref().is_none_or(|t| {
                let f = &s.facility;
                // The former address too: people still say "Bình Minh".
                let former = f.former_address.as_deref().unwrap_or_default();
                fold::matches(
                    &format!("{} {} {} {former}", f.name, f.address, f.district),
                    t,
                )
            })
        })
        .collect();
    let folded = |s: &str| fold::fold(s);
    match key {
        SortKey::Name => rows.sort_by_cached_key(|s| folded(&s.facility.name)),
        SortKey::Enterprise => rows.sort_by_cached_key(|s| folded(&s.enterprise)),
        SortKey::District => rows.sort_by_cached_key(|s| folded(&s.facility.locality())),
        SortKey::LastInspection => rows.sort_by_key(|s| s.last_inspected_on),
        SortKey::NextDue => rows.sort_by_key(|s| s.next_due),
    }
    if descending {
        rows.reverse();
    }
    Ok(rows)
}

/// A certificate that lapses within `EXPIRY_NOTICE_DAYS` or has lapsed,
/// on an active facility, with no later certificate of its scheme.
#[derive(Debug, Clone)]
pub struct Expiring {
    pub certification: Certification,
    pub facility: String,
    pub enterprise: String,
    pub expired: bool,
}

/// A lot of another batch, named for a list.
#[derive(Debug, Clone)]
pub struct LotName {
    pub batch_id: String,
    pub lot_code: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub facility_id: String,
    /// Empty when the facility is outside the reader's reach.
    pub facility: String,
    pub enterprise: String,
}

/// A recalled lot with the lots recalled because they were made from it.
#[derive(Debug, Clone)]
pub struct RecalledLot {
    pub lot: LotName,
    pub reason: Option<String>,
    pub recalled_at: Option<NaiveDateTime>,
    pub downstream: Vec<LotName>,
    /// Downstream lots in other provinces, counted but not named.
    pub downstream_elsewhere: usize,
}

/// An alert named in words: the stamp's lot, product, facility and
/// enterprise, when it has a batch (a forged burst has none).
#[derive(Debug, Clone)]
pub struct NamedAlert {
    pub alert: Alert,
    pub lot: Option<LotName>,
}

/// What needs a regulator's action, each row pointing at its evidence.
#[derive(Debug, Clone)]
pub struct WorkQueue {
    pub inspections_due: Vec<Standing>,
    pub overdue_actions: Vec<Standing>,
    pub expiring: Vec<Expiring>,
    pub recalled: Vec<RecalledLot>,
    pub alerts: Vec<NamedAlert>,
}

impl WorkQueue {
    pub fn is_empty(&self) -> bool {
        self.inspections_due.is_empty()
            && self.overdue_actions.is_empty()
            && self.expiring.is_empty()
            && self.recalled.is_empty()
            && self.alerts.is_empty()
    }
}

/// The caller's work queue on `today`: inspections due, corrective actions
/// past their deadline, certificates expiring, recalled lots with their
/// downstream lots, and the alerts (suspicious scans, consumers' reports)
/// raised between `from` and `to`.
pub fn work_queue(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<WorkQueue> {
    let all = standings(conn, caller)?;
    let scope = caller.scope();
    let active: Vec<&Standing> = all
        .iter()
        .filter(|s| s.facility.status == FacilityStatus::Active.as_str())
        .collect();
    let mut inspections_due: Vec<Standing> = active
        .iter()
        .filter(|s| s.due_by(today))
        .map(|s| (*s).clone())
        .collect();
    inspections_due.sort_by_key(|s| s.next_due);
    let mut overdue_actions: Vec<Standing> = all
        .iter()
        .filter(|s| s.overdue_action(today))
        .cloned()
        .collect();
    overdue_actions.sort_by_key(|s| s.follow_up_due);

    let ids: Vec<String> = active.iter().map(|s| s.facility.id.clone()).collect();
    let certificates = standing::certificates(conn, &ids)?;
    let notice = today + chrono::Duration::days(EXPIRY_NOTICE_DAYS);
    let expiring = certificates
        .iter()
        .filter(|c| c.valid_to <= notice)
        .filter(|c| {
            !certificates.iter().any(|later| {
                later.facility_id == c.facility_id
                    && later.scheme == c.scheme
                    && later.valid_to > c.valid_to
            })
        })
        .filter_map(|c| {
            let s = active.iter().find(|s| s.facility.id == c.facility_id)?;
            Some(Expiring {
                certification: c.clone(),
                facility: s.facility.name.clone(),
                enterprise: s.enterprise.clone(),
                expired: c.valid_to < today,
            })
        })
        .collect();

    let name = |b: Batch, vi: String, en: String| {
        let s = all.iter().find(|s| s.facility.id == b.facility_id);
        LotName {
            batch_id: b.id,
            lot_code: b.lot_code,
            product_name_vi: vi,
            product_name_en: en,
            facility_id: b.facility_id,
            facility: s.map(|s| s.facility.name.clone()).unwrap_or_default(),
            enterprise: s.map(|s| s.enterprise.clone()).unwrap_or_default(),
        }
    };
    let recalled_rows = standing::recalled(conn, &scope)?;
    let in_reach: Vec<String> = recalled_rows.iter().map(|(b, _, _)| b.id.clone()).collect();
    let mut recalled = Vec::new();
    for (b, vi, en) in recalled_rows {
        // A lot recalled because of another lot in reach is listed under it.
        if b.recalled_because
            .as_ref()
            .is_some_and(|r| in_reach.contains(r))
        {
            continue;
        }
        let made_from = batch::recalled_because_of(conn, &b.id)?;
        let total = made_from.len();
        let downstream: Vec<LotName> = standing::with_products(conn, made_from)?
            .into_iter()
            .filter(|(d, _, _)| in_reach.contains(&d.id))
            .map(|(d, vi, en)| name(d, vi, en))
            .collect();
        recalled.push(RecalledLot {
            reason: b.recall_reason.clone(),
            recalled_at: b.recalled_at,
            downstream_elsewhere: total - downstream.len(),
            downstream,
            lot: name(b, vi, en),
        });
    }

    let raised = alerts::alerts(conn, &scope, from, to)?;
    let batch_ids: Vec<String> = raised.iter().filter_map(|a| a.batch_id.clone()).collect();
    let found = standing::batches(conn, &batch_ids)?;
    let lots = standing::with_products(conn, found)?;
    let alerts = raised
        .into_iter()
        .map(|alert| {
            let lot = alert.batch_id.as_ref().and_then(|id| {
                lots.iter()
                    .find(|(b, _, _)| &b.id == id)
                    .map(|(b, vi, en)| name(b.clone(), vi.clone(), en.clone()))
            });
            NamedAlert { alert, lot }
        })
        .collect();
    Ok(WorkQueue {
        inspections_due,
        overdue_actions,
        expiring,
        recalled,
        alerts,
    })
}
