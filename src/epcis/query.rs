//! The query interface: the standard's parameters (`eventType`,
//! `GE_eventTime`, `EQ_bizStep`, `MATCH_epc`, …), keyset paging with
//! `perPage` / `nextPageToken`, and the EPCISQueryDocument that answers.
//! Every filter is an indexed column or a lookup in `epcis_event_epc`, and
//! paging walks the primary key, so a page costs the same on page 1 and 1000.

use chrono::NaiveDateTime;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use serde_json::{json, Map, Value};

use crate::db::schema::{enterprise, epcis_event, epcis_event_epc};
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::epcis::cbv::Vocabulary;
use crate::epcis::document::EPCIS_CONTEXT;
use crate::epcis::problem::Problem;
use crate::models::epcis_event::{role, EpcisEventRow};

pub const DEFAULT_PER_PAGE: i64 = 100;
pub const MAX_PER_PAGE: i64 = 1_000;
/// Values one parameter may list (`a|b|c`).
const MAX_VALUES: usize = 100;
/// `urn:epc:idpat:` patterns one MATCH_ parameter may list: each is a
/// prefix search of its own over the identifier index, so they are far
/// dearer than exact values.
pub const MAX_PATTERNS: usize = 10;

pub const EVENT_TYPES: [&str; 5] = [
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
];

/// One value of a MATCH_ parameter: an identifier, or an EPC pattern
/// (`urn:epc:idpat:sgtin:0614141.107346.*`) turned into identifier prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Exact(String),
    Prefixes(Vec<String>),
}

/// A parsed query. Values of one parameter are alternatives (OR); the
/// parameters together must all hold (AND), as the standard says.
#[derive(Debug, Default, Clone)]
pub struct EventQuery {
    event_types: Vec<String>,
    event_ids: Vec<String>,
    ge_event_time: Option<NaiveDateTime>,
    lt_event_time: Option<NaiveDateTime>,
    ge_record_time: Option<NaiveDateTime>,
    lt_record_time: Option<NaiveDateTime>,
    actions: Vec<String>,
    biz_steps: Vec<String>,
    dispositions: Vec<String>,
    read_points: Vec<String>,
    biz_locations: Vec<String>,
    matches: Vec<(&'static [&'static str], Vec<Pattern>)>,
    per_page: Option<i64>,
    after: Option<String>,
}

/// One page of events and the token of the next, if there is one.
pub struct EventPage {
    pub events: Vec<EpcisEventRow>,
    pub next_page_token: Option<String>,
}

fn match_roles(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "MATCH_epc" => &[role::EPC, role::CHILD],
        "MATCH_parentID" => &[role::PARENT],
        "MATCH_inputEPC" => &[role::INPUT],
        "MATCH_outputEPC" => &[role::OUTPUT],
        "MATCH_anyEPC" => &[
            role::EPC,
            role::CHILD,
            role::PARENT,
            role::INPUT,
            role::OUTPUT,
        ],
        "MATCH_epcClass" => &[role::CLASS],
        "MATCH_inputEPCClass" => &[role::INPUT_CLASS],
        "MATCH_outputEPCClass" => &[role::OUTPUT_CLASS],
        "MATCH_anyEPCClass" => &[role::CLASS, role::INPUT_CLASS, role::OUTPUT_CLASS],
        _ => return None,
    })
}

impl EventQuery {
    /// Parses the query string's pairs; any unknown parameter or bad value
    /// is a QueryParameterException naming it.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Problem> {
        let mut query = EventQuery::default();
        for (name, raw) in pairs {
            let bad = |why: &str| Problem::query_parameter(format!("{name}: {why}"));
            let values = || -> Result<Vec<String>, Problem> {
                let mut values: Vec<String> = raw.split('|').map(|v| v.trim().to_owned()).collect();
                if values.iter().any(String::is_empty) {
                    return Err(bad("needs a value (alternatives are separated by '|')"));
                }
                // A repeated alternative adds work and no answer.
                let mut seen = std::collections::HashSet::new();
                values.retain(|v| seen.insert(v.clone()));
                if values.len() > MAX_VALUES {
                    return Err(bad(&format!("at most {MAX_VALUES} alternatives")));
                }
                Ok(values)
            };
            let time = || -> Result<NaiveDateTime, Problem> {
                // A '+' offset sent unencoded arrives as a space.
                crate::time::parse_instant(&raw.trim().replace(' ', "+")).map_err(|e| bad(&e))
            };
            match name.as_str() {
                "eventType" => {
                    let types = values()?;
                    if let Some(t) = types.iter().find(|t| !EVENT_TYPES.contains(&t.as_str())) {
                        return Err(bad(&format!(
                            "{t:?} is not one of {}",
                            EVENT_TYPES.join(", ")
                        )));
                    }
                    query.event_types.extend(types);
                }
                "EQ_eventID" => query.event_ids.extend(values()?),
                "GE_eventTime" => query.ge_event_time = Some(time()?),
                "LT_eventTime" => query.lt_event_time = Some(time()?),
                "GE_recordTime" => query.ge_record_time = Some(time()?),
                "LT_recordTime" => query.lt_record_time = Some(time()?),
                "EQ_action" => {
                    let actions = values()?;
                    if let Some(a) = actions
                        .iter()
                        .find(|a| !["ADD", "OBSERVE", "DELETE"].contains(&a.as_str()))
                    {
                        return Err(bad(&format!("{a:?} is not ADD, OBSERVE or DELETE")));
                    }
                    query.actions.extend(actions);
                }
                "EQ_bizStep" => query
                    .biz_steps
                    .extend(values()?.iter().map(|v| Vocabulary::BizStep.expand(v))),
                "EQ_disposition" => query
                    .dispositions
                    .extend(values()?.iter().map(|v| Vocabulary::Disposition.expand(v))),
                "EQ_readPoint" => query.read_points.extend(values()?),
                "EQ_bizLocation" => query.biz_locations.extend(values()?),
                "perPage" => {
                    let n = raw
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                        .ok_or_else(|| {
                            bad(&format!("must be a whole number from 1 to {MAX_PER_PAGE}"))
                        })?;
                    query.per_page = Some(n);
                }
                "nextPageToken" => {
                    let token = raw.trim();
                    if uuid::Uuid::parse_str(token).is_err() {
                        return Err(bad("is not a token this service issued"));
                    }
                    query.after = Some(token.to_owned());
                }
                other => match match_roles(other) {
                    Some(roles) => {
                        let class = roles.iter().any(|r| r.ends_with("class"));
                        let patterns = values()?
                            .into_iter()
                            .map(|v| pattern(&v, class).map_err(|why| bad(&why)))
                            .collect::<Result<Vec<_>, _>>()?;
                        let prefixed = patterns
                            .iter()
                            .filter(|p| matches!(p, Pattern::Prefixes(_)))
                            .count();
                        if prefixed > MAX_PATTERNS {
                            return Err(bad(&format!(
                                "at most {MAX_PATTERNS} different urn:epc:idpat: patterns \
                                 (exact identifiers: up to {MAX_VALUES})"
                            )));
                        }
                        query.matches.push((roles, patterns));
                    }
                    None => {
                        return Err(Problem::query_parameter(format!(
                            "{other} is not a query parameter this service supports"
                        )))
                    }
                },
            }
        }
        Ok(query)
    }

    /// Adds a restriction from the path (`/eventTypes/{type}/events`,
    /// `/epcs/{epc}/events`, `/events/{eventID}`).
    pub fn with_event_type(mut self, event_type: &str) -> Self {
        self.event_types = vec![event_type.to_owned()];
        self
    }

    pub fn with_any_epc(mut self, epc: &str) -> Self {
        self.matches.push((
            match_roles("MATCH_anyEPC").unwrap_or(&[]),
            vec![Pattern::Exact(epc.to_owned())],
        ));
        self
    }

    pub fn with_event_id(mut self, event_id: &str) -> Self {
        self.event_ids = vec![event_id.to_owned()];
        self
    }

    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(DEFAULT_PER_PAGE)
    }

    /// The caller's page: only events of enterprises within its scope.
    pub fn run(&self, conn: &mut DbConnection, scope: &Scope) -> QueryResult<EventPage> {
        let mut q = epcis_event::table.into_boxed::<Backend>();
        match scope {
            Scope::All => {}
            Scope::Enterprise(id) => q = q.filter(epcis_event::enterprise_id.eq(id.clone())),
            Scope::Province(province) => {
                q = q.filter(
                    epcis_event::enterprise_id.eq_any(
                        enterprise::table
                            .filter(enterprise::province_code.eq(province.clone()))
                            .select(enterprise::id),
                    ),
                )
            }
        }
        if !self.event_types.is_empty() {
            q = q.filter(epcis_event::event_type.eq_any(self.event_types.clone()));
        }
        if !self.event_ids.is_empty() {
            q = q.filter(epcis_event::event_id.eq_any(self.event_ids.clone()));
        }
        if let Some(t) = self.ge_event_time {
            q = q.filter(epcis_event::event_time.ge(t));
        }
        if let Some(t) = self.lt_event_time {
            q = q.filter(epcis_event::event_time.lt(t));
        }
        if let Some(t) = self.ge_record_time {
            q = q.filter(epcis_event::record_time.ge(t));
        }
        if let Some(t) = self.lt_record_time {
            q = q.filter(epcis_event::record_time.lt(t));
        }
        if !self.actions.is_empty() {
            q = q.filter(epcis_event::action.eq_any(self.actions.clone()));
        }
        if !self.biz_steps.is_empty() {
            q = q.filter(epcis_event::biz_step.eq_any(self.biz_steps.clone()));
        }
        if !self.dispositions.is_empty() {
            q = q.filter(epcis_event::disposition.eq_any(self.dispositions.clone()));
        }
        if !self.read_points.is_empty() {
            q = q.filter(epcis_event::read_point.eq_any(self.read_points.clone()));
        }
        if !self.biz_locations.is_empty() {
            q = q.filter(epcis_event::biz_location.eq_any(self.biz_locations.clone()));
        }
        for (roles, patterns) in &self.matches {
            q = q.filter(naming(roles, patterns, scope));
        }
        if let Some(after) = &self.after {
            q = q.filter(epcis_event::id.gt(after.clone()));
        }
        let per_page = self.per_page();
        let mut events = q
            .order(epcis_event::id.asc())
            .limit(per_page + 1)
            .select(EpcisEventRow::as_select())
            .load(conn)?;
        let next_page_token = if events.len() as i64 > per_page {
            events.truncate(per_page as usize);
            events.last().map(|e| e.id.clone())
        } else {
            None
        };
        Ok(EventPage {
            events,
            next_page_token,
        })
    }
}

type EventCondition = Box<dyn BoxableExpression<epcis_event::table, Backend, SqlType = Bool>>;

/// `epcis_event.id IN (the events naming, under one of $roles, an identifier
/// that $values holds, among the identifiers of the enterprises in $scope)`.
/// A macro, not a function: the subquery cannot be boxed (boxed subqueries
/// cannot run on the two-backend connection), so each scope has its own type.
macro_rules! named_within {
    ($roles:expr, $values:expr, $scope:expr) => {{
        let lookup = epcis_event_epc::table
            .filter(epcis_event_epc::role.eq_any($roles))
            .filter($values);
        let condition: EventCondition = match $scope {
            Scope::All => {
                Box::new(epcis_event::id.eq_any(lookup.select(epcis_event_epc::event_id)))
            }
            Scope::Enterprise(id) => Box::new(
                epcis_event::id.eq_any(
                    lookup
                        .filter(epcis_event_epc::enterprise_id.eq(id.clone()))
                        .select(epcis_event_epc::event_id),
                ),
            ),
            Scope::Province(province) => Box::new(
                epcis_event::id.eq_any(
                    lookup
                        .filter(
                            epcis_event_epc::enterprise_id.eq_any(
                                enterprise::table
                                    .filter(enterprise::province_code.eq(province.clone()))
                                    .select(enterprise::id),
                            ),
                        )
                        .select(epcis_event_epc::event_id),
                ),
            ),
        };
        condition
    }};
}

/// Events naming, under one of `roles`, an identifier that one of the
/// patterns matches, looked up among the identifiers of the enterprises in
/// `scope` only (their own column, first in the index
/// `epcis_event_epc_enterprise`): a caller's query never walks another
/// enterprise's identifiers, however many they hold. Exact identifiers are
/// one subquery; each pattern is its own, an index range.
fn naming(roles: &[&str], patterns: &[Pattern], scope: &Scope) -> EventCondition {
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    let exact: Vec<String> = patterns
        .iter()
        .filter_map(|p| match p {
            Pattern::Exact(v) => Some(v.clone()),
            Pattern::Prefixes(_) => None,
        })
        .collect();
    let mut condition = named_within!(roles.clone(), epcis_event_epc::value.eq_any(exact), scope);
    for pattern in patterns {
        if let Pattern::Prefixes(prefixes) = pattern {
            for prefix in prefixes {
                let alternative = match prefix_range(prefix) {
                    (from, Some(until)) => named_within!(
                        roles.clone(),
                        epcis_event_epc::value
                            .ge(from)
                            .and(epcis_event_epc::value.lt(until)),
                        scope
                    ),
                    (from, None) => {
                        named_within!(roles.clone(), epcis_event_epc::value.ge(from), scope)
                    }
                };
                condition = Box::new(condition.or(alternative));
            }
        }
    }
    condition
}

/// The identifiers starting with `prefix` as an index range: from the
/// prefix up to (not including) `until`, the prefix with its last
/// character's successor (`None`: no upper bound, for a prefix of
/// `char::MAX` alone). Unlike `LIKE`, a range is served by a B-tree index on
/// both backends. Identifiers compare byte by byte (SQLite's default;
/// PostgreSQL's column is `COLLATE "C"`), and UTF-8 orders as code points
/// do, so the range holds exactly the identifiers with the prefix.
fn prefix_range(prefix: &str) -> (String, Option<String>) {
    let mut until: Vec<char> = prefix.chars().collect();
    while let Some(last) = until.pop() {
        // The next character, skipping the surrogates no string holds.
        if let Some(next) = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32) {
            until.push(next);
            return (prefix.to_owned(), Some(until.into_iter().collect()));
        }
    }
    (prefix.to_owned(), None)
}

/// An identifier, or an EPC pattern URI whose `*` fields all come last
/// (the forms EPC Tag Data Standard patterns take in practice). For
/// classes, an SGTIN pattern also matches the LGTIN classes of its GTINs.
fn pattern(value: &str, class: bool) -> Result<Pattern, String> {
    if !value.contains('*') {
        return Ok(Pattern::Exact(value.to_owned()));
    }
    let Some((scheme, fields)) = value
        .strip_prefix("urn:epc:idpat:")
        .and_then(|rest| rest.split_once(':'))
    else {
        return Err(format!(
            "{value:?}: '*' is only understood in urn:epc:idpat: patterns"
        ));
    };
    let parts: Vec<&str> = fields.split('.').collect();
    let fixed: Vec<&str> = parts.iter().take_while(|p| **p != "*").copied().collect();
    if parts[fixed.len()..].iter().any(|p| *p != "*") {
        return Err(format!(
            "{value:?}: a '*' field may only be followed by other '*' fields"
        ));
    }
    let stem = match fixed.is_empty() {
        true => String::new(),
        false => format!("{}.", fixed.join(".")),
    };
    let mut prefixes = Vec::new();
    if class {
        prefixes.push(format!("urn:epc:idpat:{scheme}:{stem}"));
        if scheme == "sgtin" {
            prefixes.push(format!("urn:epc:class:lgtin:{stem}"));
        }
    } else {
        prefixes.push(format!("urn:epc:id:{scheme}:{stem}"));
    }
    Ok(Pattern::Prefixes(prefixes))
}

/// The `@context` of an answer: the EPCIS context, then every extra entry
/// of the events' documents. An event whose prefixes clash with another
/// event's keeps its own `@context`.
/// Each event says which enterprise captured it (or whose batch event it
/// mirrors), under our namespace's `capturedBy`.
pub fn answer_events(rows: &[EpcisEventRow], base: &str) -> (Value, Vec<Value>) {
    let captured_by = format!("{base}/epcis/ns/capturedBy");
    let mut urls: Vec<Value> = vec![Value::String(EPCIS_CONTEXT.into())];
    let mut prefixes = Map::new();
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let mut event: Value = serde_json::from_str(&row.body).unwrap_or(Value::Null);
        if let Some(map) = event.as_object_mut() {
            map.insert(
                captured_by.clone(),
                Value::String(format!("{base}/enterprises/{}", row.enterprise_id)),
            );
        }
        let own: Vec<Value> = row
            .context
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let clashes = own.iter().any(|entry| {
            entry.as_object().is_some_and(|map| {
                map.iter()
                    .any(|(k, v)| prefixes.get(k).is_some_and(|held| held != v))
            })
        });
        if clashes {
            let mut context = vec![Value::String(EPCIS_CONTEXT.into())];
            context.extend(own);
            if let Some(map) = event.as_object_mut() {
                map.insert("@context".into(), Value::Array(context));
            }
        } else {
            for entry in own {
                match entry {
                    Value::Object(map) => {
                        for (k, v) in map {
                            prefixes.entry(k).or_insert(v);
                        }
                    }
                    other if !urls.contains(&other) => urls.push(other),
                    _ => {}
                }
            }
        }
        events.push(event);
    }
    if !prefixes.is_empty() {
        urls.push(Value::Object(prefixes));
    }
    (Value::Array(urls), events)
}

/// The EPCISQueryDocument of one page.
pub fn query_document(rows: &[EpcisEventRow], base: &str) -> Value {
    let (context, events) = answer_events(rows, base);
    json!({
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": crate::time::rfc3339(&crate::time::now()),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": events}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<EventQuery, Problem> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EventQuery::parse(&pairs)
    }

    #[test]
    fn parameters_parse_and_bad_ones_are_named() {
        let q = parse(&[
            ("EQ_bizStep", "shipping|urn:epcglobal:cbv:bizstep:receiving"),
            ("GE_eventTime", "2026-11-02T07:30:00 07:00"),
            ("perPage", "2"),
        ])
        .unwrap();
        assert_eq!(
            q.biz_steps,
            [
                "https://ref.gs1.org/cbv/BizStep-shipping",
                "https://ref.gs1.org/cbv/BizStep-receiving"
            ]
        );
        assert_eq!(q.per_page(), 2);
        for bad in [
            ("perPage", "0"),
            ("eventType", "PartyEvent"),
            ("GE_eventTime", "yesterday"),
            ("EQ_action", "SHOUT"),
            ("nextPageToken", "x"),
            ("MATCH_epc", "urn:epc:idpat:sgtin:*.1.*"),
            ("EQ_colour", "red"),
            ("MATCH_epc", ""),
        ] {
            let err = parse(&[bad]).unwrap_err();
            assert_eq!(err.status, 400);
            assert!(err.detail.contains(bad.0), "{}", err.detail);
        }
    }

    #[test]
    fn match_alternatives_are_deduplicated_and_patterns_capped() {
        let pairs = |v: String| vec![("MATCH_epc".to_owned(), v)];
        let same = vec!["urn:epc:idpat:sgtin:0614141.107346.*"; 100].join("|");
        let query = EventQuery::parse(&pairs(same)).unwrap();
        assert_eq!(query.matches[0].1.len(), 1);
        let many = (0..11)
            .map(|i| format!("urn:epc:idpat:sgtin:0614141.10734{i}.*"))
            .collect::<Vec<_>>()
            .join("|");
        let refused = EventQuery::parse(&pairs(many)).unwrap_err();
        assert!(refused.detail.contains("at most 10"), "{}", refused.detail);
        let exact = (0..100)
            .map(|i| format!("urn:epc:id:sgtin:0614141.107346.{i}"))
            .collect::<Vec<_>>()
            .join("|");
        assert_eq!(
            EventQuery::parse(&pairs(exact)).unwrap().matches[0].1.len(),
            100
        );
    }

    #[test]
    fn patterns_become_prefixes() {
        assert_eq!(
            pattern("urn:epc:idpat:sgtin:0614141.107346.*", false).unwrap(),
            Pattern::Prefixes(vec!["urn:epc:id:sgtin:0614141.107346.".into()])
        );
        assert_eq!(
            pattern("urn:epc:idpat:sgtin:0614141.*.*", true).unwrap(),
            Pattern::Prefixes(vec![
                "urn:epc:idpat:sgtin:0614141.".into(),
                "urn:epc:class:lgtin:0614141.".into()
            ])
        );
    }

    #[test]
    fn a_prefix_is_the_range_up_to_its_successor() {
        let range = |p: &str| prefix_range(p);
        assert_eq!(
            range("urn:epc:id:sgtin:0614141.107346."),
            (
                "urn:epc:id:sgtin:0614141.107346.".into(),
                Some("urn:epc:id:sgtin:0614141.107346/".into())
            )
        );
        assert_eq!(range("a\u{D7FF}").1.as_deref(), Some("a\u{E000}"));
        assert_eq!(range("a\u{10FFFF}").1.as_deref(), Some("b"));
        assert_eq!(range("\u{10FFFF}").1, None);
        // Byte order: every identifier with the prefix lies in the range,
        // and the one whose last character follows it does not.
        let (from, until) = range("urn:epc:id:sgtin:0614141.1.");
        let until = until.unwrap();
        for inside in [
            "urn:epc:id:sgtin:0614141.1.",
            "urn:epc:id:sgtin:0614141.1.\u{10FFFF}",
        ] {
            assert!(
                inside >= from.as_str() && inside < until.as_str(),
                "{inside}"
            );
        }
        for outside in [
            "urn:epc:id:sgtin:0614141.1/",
            "urn:epc:id:sgtin:0614141.1",
            "urn:epc:id:sgtin:0614141.10",
        ] {
            assert!(
                !(outside >= from.as_str() && outside < until.as_str()),
                "{outside}"
            );
        }
    }
}
