//! Inspection findings as the producer answers them (issue 19): the open
//! findings of the enterprise's facilities with their fix-by dates, and an
//! answer — what was done, with photos — that the regulators then read on
//! the facility's page. Answering is the producer's; an answer does not
//! close the finding (the regulator's next inspection does).

use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::finding_answer::{self, FindingAnswer};
use crate::models::inspection::Inspection;
use crate::models::photo::PhotoRef;

use super::photos::{self, CleanPhoto, OwnerKind};

/// Longest answer kept.
pub const MAX_NOTE: usize = 2000;

/// An answer with its photos.
#[derive(Debug, Serialize)]
pub struct Answer {
    #[serde(flatten)]
    pub answer: FindingAnswer,
    pub photos: Vec<PhotoRef>,
}

/// An open finding as the producer sees it.
#[derive(Debug)]
pub struct OpenFinding {
    pub inspection: Inspection,
    pub facility: String,
    /// Its fix-by date is before today.
    pub past_due: bool,
    pub answers: Vec<Answer>,
}

/// The answers to these inspections with their photos, oldest first.
pub fn answers(conn: &mut DbConnection, inspection_ids: &[String]) -> AppResult<Vec<Answer>> {
    let rows = finding_answer::for_inspections(conn, inspection_ids)?;
    let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
    let mut pictures = photos::of(conn, OwnerKind::FindingAnswer, &ids)?;
    Ok(rows
        .into_iter()
        .map(|answer| {
            let (mine, rest) = pictures.drain(..).partition(|p| p.owner_id == answer.id);
            pictures = rest;
            Answer {
                answer,
                photos: mine,
            }
        })
        .collect())
}

fn enterprise_of(caller: &Caller) -> AppResult<&str> {
    match &caller.role {
        Role::Producer { enterprise_id } => Ok(enterprise_id),
        _ => Err(AppError::Forbidden(
            "findings are answered by the inspected producer".into(),
        )),
    }
}

/// The open findings of the caller's enterprise, earliest fix-by first.
pub fn open(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<OpenFinding>> {
    let enterprise = enterprise_of(caller)?.to_owned();
    let today = crate::time::now().date();
    let found = finding_answer::open_for_enterprise(conn, &enterprise)?;
    let ids: Vec<String> = found.iter().map(|(i, _)| i.id.clone()).collect();
    let mut all = answers(conn, &ids)?;
    Ok(found
        .into_iter()
        .map(|(inspection, facility)| {
            let (mine, rest) = all
                .drain(..)
                .partition(|a| a.answer.inspection_id == inspection.id);
            all = rest;
            OpenFinding {
                past_due: inspection.follow_up_due.is_some_and(|d| d < today),
                inspection,
                facility,
                answers: mine,
            }
        })
        .collect())
}

/// One finding of the caller's enterprise, with its facility's name.
pub fn finding(
    conn: &mut DbConnection,
    caller: &Caller,
    inspection_id: &str,
) -> AppResult<(Inspection, String)> {
    enterprise_of(caller)?;
    finding_answer::inspection_in_reach(conn, &caller.scope(), inspection_id)?
        .ok_or_else(|| AppError::not_found("inspection"))
}

/// The answer's note, checked (every refusal in both languages).
pub fn check_note(note: &str) -> AppResult<String> {
    v::text("note", note, MAX_NOTE).map_err(|_| {
        AppError::rule(
            RuleKind::Invalid,
            Some("note"),
            format!("say what was done about the findings (1 to {MAX_NOTE} characters)"),
            format!("Hãy ghi đã khắc phục những gì (1 đến {MAX_NOTE} ký tự)"),
        )
    })
}

/// Answers a finding of the caller's enterprise: the note and its cleaned
/// photos in one transaction, audited.
pub fn answer(
    conn: &mut DbConnection,
    caller: &Caller,
    inspection_id: &str,
    note: &str,
    pictures: Vec<CleanPhoto>,
) -> AppResult<Answer> {
    let note = check_note(note)?;
    audit::write_transaction(conn, |conn| {
        let (inspection, facility) = finding(conn, caller, inspection_id)?;
        let row = FindingAnswer {
            id: crate::domain::id::new_id(),
            inspection_id: inspection.id,
            note,
            answered_by: caller.username.clone(),
            answered_at: crate::time::now(),
        };
        finding_answer::insert(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "finding_answer", &row.id, &row)?;
        let alt = format!("Ảnh khắc phục tại {facility}");
        let photos = photos::keep(
            conn,
            caller,
            OwnerKind::FindingAnswer,
            &row.id,
            &alt,
            pictures,
        )?;
        Ok(Answer {
            answer: row,
            photos,
        })
    })
}
