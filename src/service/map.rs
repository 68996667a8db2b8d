//! The map of a caller's reach: its facilities, each marked by what needs
//! doing there (the work queue's facts, `service::oversight`), and where
//! its stamps were scanned, by province, with the suspicious scans (clone
//! alerts) among them. A regulator sees their province (an admin the whole
//! country), a producer their own facilities.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::DbConnection;
use crate::domain::access::{Caller, Scope};
use crate::domain::map::{self, Bounds};
use crate::domain::places::Place;
use crate::error::AppResult;
use crate::models::{standing, stats};

use super::oversight::{standings_in, Standing};

/// What a facility's point says, the gravest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    /// A lot made there is recalled.
    Recalled,
    /// An inspection's corrective-action deadline has passed.
    ActionOverdue,
    /// An inspection is due (or the facility was never inspected).
    InspectionDue,
    Fine,
}

impl Mark {
    pub const ALL: [Mark; 4] = [
        Mark::Recalled,
        Mark::ActionOverdue,
        Mark::InspectionDue,
        Mark::Fine,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Recalled => "recalled",
            Mark::ActionOverdue => "action_overdue",
            Mark::InspectionDue => "inspection_due",
            Mark::Fine => "fine",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FacilityMark {
    pub standing: Standing,
    pub mark: Mark,
}

/// Scans in one province over the window.
#[derive(Debug, Clone)]
pub struct Area {
    pub place: Place,
    pub scans: i64,
    pub suspicious: i64,
}

#[derive(Debug, Clone)]
pub struct MapData {
    /// Facilities with coordinates, gravest last (drawn on top).
    pub facilities: Vec<FacilityMark>,
    /// Facilities without coordinates, listed beside the map.
    pub unplaced: Vec<FacilityMark>,
    pub areas: Vec<Area>,
    /// Where the map looks.
    pub view: Bounds,
}

/// The map of the caller's reach on `today`, scans counted between `from`
/// and `to`.
pub fn map(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<MapData> {
    let scope = caller.scope();
    let recalled: HashSet<String> = standing::recalled(conn, &scope)?
        .into_iter()
        .map(|(b, _, _)| b.facility_id)
        .collect();
    let mut marked: Vec<FacilityMark> = standings_in(conn, &scope)?
        .into_iter()
        .map(|s| {
            let mark = if recalled.contains(&s.facility.id) {
                Mark::Recalled
            } else if s.overdue_action(today) {
                Mark::ActionOverdue
            } else if s.due_by(today) {
                Mark::InspectionDue
            } else {
                Mark::Fine
            };
            FacilityMark { standing: s, mark }
        })
        .collect();
    marked.sort_by_key(|m| std::cmp::Reverse(m.mark));
    let (facilities, unplaced): (Vec<_>, Vec<_>) = marked.into_iter().partition(|m| {
        m.standing.facility.latitude.is_some() && m.standing.facility.longitude.is_some()
    });
    let areas = stats::scans_by_place(conn, &scope, from, to)?
        .into_iter()
        .filter_map(|(name, scans, suspicious)| {
            Some(Area {
                place: Place::named(&name)?,
                scans,
                suspicious,
            })
        })
        .collect();
    let points = facilities.iter().filter_map(|m| {
        let f = &m.standing.facility;
        Some((f.longitude?, f.latitude?))
    });
    let view = match &scope {
        Scope::All => map::country(),
        Scope::Province(code) => {
            let province = map::province(code).map(|o| o.bounds);
            match (province, Bounds::around(points)) {
                (Some(p), Some(f)) => p.union(f),
                (Some(p), None) => p,
                (None, f) => f.unwrap_or_else(map::country),
            }
            .padded(0.05, 0.0)
        }
        Scope::Enterprise(_) => Bounds::around(points)
            .map(|b| b.padded(0.1, 0.6))
            .unwrap_or_else(map::country),
    };
    Ok(MapData {
        facilities,
        unplaced,
        areas,
        view,
    })
}
