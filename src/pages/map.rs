//! The map pages: `/oversight/map` (a regulator's province, an admin's
//! country) and `/portal/map` (a producer's own facilities). Drawn on the
//! server as one inline SVG from the shipped province outlines
//! (`domain::map`): no tiles, no scripts, nothing fetched from elsewhere.
//! Facilities are points coloured by what needs doing there, each a link
//! to its page; scans are circles at province centres, sized by count,
//! red where some were suspicious (clone alerts). The figures behind the
//! drawing are listed under it as tables, for screen readers and printing.

use askama::Template;
use chrono::Duration;

use super::chart::{self, escape};
use super::frame::Chrome;
use super::i18n::Lang;
use super::session::PageUser;
use super::{html, PageResult};
use crate::auth::Role;
use crate::domain::map::{self, Projection};
use crate::service::map::{Area, FacilityMark, MapData, Mark};

/// The SVG's width in its own units; it scales to the screen.
const WIDTH: f64 = 1000.0;
/// Days of scans the hot spots count.
pub const SCAN_DAYS: i64 = 30;

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    c: Chrome,
    svg: String,
    facilities: Vec<FacilityMark>,
    unplaced: Vec<FacilityMark>,
    areas: Vec<Area>,
    legend: Vec<(&'static str, String)>,
    scan_days: i64,
    /// Where a facility's link goes: the regulator's record or the
    /// producer's edit form.
    facility_base: &'static str,
    facility_suffix: &'static str,
}

impl MapPage {
    fn mark_name(&self, mark: &Mark) -> String {
        mark_label(self.c.l, *mark)
    }
}

pub async fn oversight_map(user: PageUser) -> PageResult {
    super::oversight::overseer(&user)?;
    page(user, "/oversight/facilities/", "").await
}

pub async fn portal_map(user: PageUser) -> PageResult {
    super::portal::producer(&user)?;
    page(user, "/portal/facilities/", "/edit").await
}

async fn page(user: PageUser, base: &'static str, suffix: &'static str) -> PageResult {
    let today = crate::time::now().date();
    let from = chart::start_of(today - Duration::days(SCAN_DAYS));
    let to = chart::start_of(today + Duration::days(1));
    let data = user
        .act(move |conn, caller| crate::service::map::map(conn, caller, today, from, to))
        .await?;
    let l = user.l;
    let title = match &user.caller.role {
        Role::Regulator { province } => format!("{} — {province}", l.t("Bản đồ", "Map")),
        Role::Admin => format!(
            "{} — {}",
            l.t("Bản đồ", "Map"),
            l.t("Cả nước", "Whole country")
        ),
        Role::Producer { .. } => l.t("Bản đồ cơ sở", "Map of facilities").to_owned(),
    };
    let svg = draw(l, &data, base, suffix, &title);
    let page = MapPage {
        c: user.chrome(title),
        svg,
        legend: Mark::ALL
            .iter()
            .map(|m| (m.as_str(), mark_label(l, *m)))
            .collect(),
        facilities: data.facilities,
        unplaced: data.unplaced,
        areas: data.areas,
        scan_days: SCAN_DAYS,
        facility_base: base,
        facility_suffix: suffix,
    };
    html(&page)
}

pub fn mark_label(l: Lang, mark: Mark) -> String {
    match mark {
        Mark::Recalled => l.t("Có lô bị thu hồi", "Lots recalled"),
        Mark::ActionOverdue => l.t("Quá hạn khắc phục", "Corrective action overdue"),
        Mark::InspectionDue => l.t("Đến hạn kiểm tra", "Inspection due"),
        Mark::Fine => l.t("Bình thường", "In order"),
    }
    .to_owned()
}

/// The map as inline SVG: the provinces the view touches, the scan
/// circles, then the facilities' points on top.
fn draw(l: Lang, data: &MapData, base: &str, suffix: &str, title: &str) -> String {
    let p = Projection::new(data.view, WIDTH);
    let (w, h) = (p.width(), p.height());
    let mut svg = format!(
        "<svg class=\"map\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-labelledby=\"map-title\"><title id=\"map-title\">{}</title>",
        escape(&format!(
            "{title}: {} {}",
            data.facilities.len(),
            l.t("cơ sở trên bản đồ", "facilities on the map")
        ))
    );
    svg.push_str("<g class=\"provinces\">");
    for outline in map::provinces() {
        if !outline.extent.overlaps(&data.view) {
            continue;
        }
        let name = crate::domain::admin_units::province_name(&outline.code).unwrap_or_default();
        svg.push_str(&format!(
            "<path data-province=\"{}\" d=\"{}\"><title>{}</title></path>",
            outline.code,
            p.path(&outline.rings),
            escape(name)
        ));
    }
    svg.push_str("</g><g class=\"areas\">");
    let peak = data.areas.iter().map(|a| a.scans).max().unwrap_or(1).max(1) as f64;
    let unit = w.max(h) / 25.0;
    for a in &data.areas {
        let (lat, lon) = a.place.centre();
        let (x, y) = p.xy(lon, lat);
        let r = unit * ((a.scans as f64) / peak).sqrt() + 3.0;
        svg.push_str(&format!(
            "<circle class=\"area{}\" data-area=\"{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\"><title>{}: {} {}, {} {}</title></circle>",
            if a.suspicious > 0 { " clone" } else { "" },
            escape(a.place.name()),
            escape(a.place.name()),
            l.count(&a.scans),
            l.t("lượt quét", "scans"),
            l.count(&a.suspicious),
            l.t("đáng ngờ", "suspicious"),
        ));
    }
    svg.push_str("</g><g class=\"facilities\">");
    let dot = (w.max(h) / 120.0).max(4.0);
    for m in &data.facilities {
        let f = &m.standing.facility;
        let (Some(lat), Some(lon)) = (f.latitude, f.longitude) else {
            continue;
        };
        let (x, y) = p.xy(lon, lat);
        svg.push_str(&format!(
            "<a href=\"{base}{}{suffix}\"><circle class=\"mark {}\" data-facility=\"{}\" data-mark=\"{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{dot:.1}\"><title>{} — {}</title></circle></a>",
            escape(&f.id),
            m.mark.as_str(),
            escape(&f.id),
            m.mark.as_str(),
            escape(&f.name),
            escape(&mark_label(l, m.mark)),
        ));
    }
    svg.push_str("</g></svg>");
    svg
}
