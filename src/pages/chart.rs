//! Bar charts drawn on the server as SVG: they show with JavaScript off and
//! cost a few hundred bytes, where a charting script would cost a hundred
//! kilobytes on a 3G phone.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::models::stats::DayCount;

/// One bar: its label under the axis, and its value.
pub struct Bar {
    pub label: String,
    pub value: i64,
}

const WIDTH: i64 = 480;
const HEIGHT: i64 = 180;
const BASE: i64 = 150;

/// An accessible SVG bar chart (`role="img"` with a title naming every
/// value, so a screen reader reads the figures the eye sees).
pub fn bars(title: &str, bars: &[Bar], alternate: bool) -> String {
    let peak = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let slot = WIDTH / i64::try_from(bars.len().max(1)).unwrap_or(1);
    let summary: Vec<String> = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.value))
        .collect();
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        escape(title),
        escape(&format!("{title} — {}", summary.join(", ")))
    );
    for (i, bar) in bars.iter().enumerate() {
        let x = i64::try_from(i).unwrap_or(0) * slot + 4;
        let height = (bar.value * (BASE - 20)) / peak;
        let y = BASE - height;
        let w = (slot - 8).max(2);
        svg.push_str(&format!(
            "<rect class=\"bar{}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{height}\"></rect>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            if alternate { " alt" } else { "" },
            x + w / 2,
            (y - 4).max(10),
            bar.value,
            x + w / 2,
            BASE + 16,
            escape(&bar.label),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Week starts (Mondays) covering `weeks` weeks up to `today`.
pub fn week_starts(today: NaiveDate, weeks: i64) -> Vec<NaiveDate> {
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    (0..weeks)
        .rev()
        .map(|w| monday - Duration::weeks(w))
        .collect()
}

/// Daily scan counts summed into the weeks starting at `starts`.
pub fn weekly_scans(starts: &[NaiveDate], days: &[DayCount]) -> Vec<Bar> {
    starts
        .iter()
        .map(|start| Bar {
            label: start.format("%d/%m").to_string(),
            value: days
                .iter()
                .filter(|d| d.day >= *start && d.day < *start + Duration::days(7))
                .map(|d| d.scans)
                .sum(),
        })
        .collect()
}

pub fn start_of(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap_or_default()
}

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_sum_their_days() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(); // a Wednesday
        let starts = week_starts(today, 2);
        assert_eq!(
            starts,
            vec![
                NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
            ]
        );
        let days = vec![
            DayCount {
                day: NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
                scans: 3,
            },
            DayCount {
                day: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
                scans: 4,
            },
            DayCount {
                day: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                scans: 5,
            },
        ];
        let weekly = weekly_scans(&starts, &days);
        assert_eq!(
            weekly.iter().map(|b| b.value).collect::<Vec<_>>(),
            vec![7, 5]
        );
        let svg = bars("Scans <per week>", &weekly, false);
        assert!(svg.contains("Scans &lt;per week&gt; — 16/11: 7, 23/11: 5"));
        assert_eq!(svg.matches("<rect").count(), 2);
    }
}
