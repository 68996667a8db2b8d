//! The map's geometry: the 34 provinces' outlines (since 1 July 2025),
//! shipped as data (`data/map/provinces.tsv`, simplified by
//! `scripts/province-outlines.py`; provenance and licence in
//! `data/map/README`), and the projection of latitude/longitude onto the
//! SVG the pages draw. No tiles, no scripts: the outlines are the map.

use std::sync::OnceLock;

/// A province's outline: its registry code (`domain::admin_units`) and its
/// rings of (longitude, latitude).
#[derive(Debug)]
pub struct Outline {
    pub code: String,
    pub rings: Vec<Vec<(f64, f64)>>,
    /// The box of the province on the mainland and near it: where a
    /// regulator's map of it looks.
    pub bounds: Bounds,
    /// The box of all of it, the Hoàng Sa and Trường Sa archipelagos
    /// included.
    pub extent: Bounds,
}

/// East of this longitude lie only the archipelagos.
const OFFSHORE: f64 = 110.5;

/// A box of longitudes and latitudes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Bounds {
    /// The box around `points` (longitude, latitude); none when empty.
    pub fn around(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Bounds> {
        points.into_iter().fold(None, |b, (lon, lat)| {
            Some(match b {
                None => Bounds {
                    west: lon,
                    south: lat,
                    east: lon,
                    north: lat,
                },
                Some(b) => Bounds {
                    west: b.west.min(lon),
                    south: b.south.min(lat),
                    east: b.east.max(lon),
                    north: b.north.max(lat),
                },
            })
        })
    }

    pub fn union(self, other: Bounds) -> Bounds {
        Bounds {
            west: self.west.min(other.west),
            south: self.south.min(other.south),
            east: self.east.max(other.east),
            north: self.north.max(other.north),
        }
    }

    /// This box grown by `margin` degrees on each side, and to at least
    /// `min_span` degrees across each way (one farm is not a map).
    pub fn padded(self, margin: f64, min_span: f64) -> Bounds {
        let grow = |lo: f64, hi: f64| {
            let extra = ((min_span - (hi - lo)) / 2.0).max(0.0) + margin;
            (lo - extra, hi + extra)
        };
        let (west, east) = grow(self.west, self.east);
        let (south, north) = grow(self.south, self.north);
        Bounds {
            west,
            south,
            east,
            north,
        }
    }

    pub fn overlaps(&self, other: &Bounds) -> bool {
        self.west <= other.east
            && other.west <= self.east
            && self.south <= other.north
            && other.south <= self.north
    }

    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.west..=self.east).contains(&lon) && (self.south..=self.north).contains(&lat)
    }
}

/// Parses the outline table: lines `code TAB ring;ring…`, a ring being
/// `lon,lat lon,lat …`.
pub fn parse(text: &str) -> Result<Vec<Outline>, String> {
    let mut outlines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| format!("outline table, line {}: {why}", n + 1);
        let (code, rings) = line.split_once('\t').ok_or_else(|| bad("no tab"))?;
        let mut parsed = Vec::new();
        for ring in rings.split(';') {
            let mut points = Vec::new();
            for pair in ring.split_whitespace() {
                let (lon, lat) = pair.split_once(',').ok_or_else(|| bad("a point"))?;
                let lon: f64 = lon.parse().map_err(|_| bad("a longitude"))?;
                let lat: f64 = lat.parse().map_err(|_| bad("a latitude"))?;
                points.push((lon, lat));
            }
            if points.len() < 3 {
                return Err(bad("a ring of fewer than three points"));
            }
            parsed.push(points);
        }
        let extent =
            Bounds::around(parsed.iter().flatten().copied()).ok_or_else(|| bad("no points"))?;
        let near = parsed
            .iter()
            .filter(|r| r.iter().any(|&(lon, _)| lon <= OFFSHORE))
            .flatten()
            .copied();
        let bounds = Bounds::around(near).unwrap_or(extent);
        outlines.push(Outline {
            code: code.to_owned(),
            rings: parsed,
            bounds,
            extent,
        });
    }
    Ok(outlines)
}

/// The shipped outlines, read once.
pub fn provinces() -> &'static [Outline] {
    static OUTLINES: OnceLock<Vec<Outline>> = OnceLock::new();
    OUTLINES.get_or_init(|| {
        // The table is checked by the test below; a broken one draws no
        // outlines rather than failing a page.
        parse(include_str!("../../data/map/provinces.tsv")).unwrap_or_default()
    })
}

/// The outline of the province with this registry code.
pub fn province(code: &str) -> Option<&'static Outline> {
    provinces().iter().find(|o| o.code == code)
}

/// The whole country's box.
pub fn country() -> Bounds {
    provinces()
        .iter()
        .map(|o| o.extent)
        .reduce(Bounds::union)
        .unwrap_or(Bounds {
            west: 102.1,
            south: 8.4,
            east: 109.5,
            north: 23.4,
        })
}

/// An equirectangular projection of `view` onto a `width`-wide SVG,
/// longitudes shrunk by the cosine of the middle latitude so that shapes
/// keep their proportions at Vietnam's latitudes.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    pub view: Bounds,
    scale: f64,
    shrink: f64,
}

impl Projection {
    pub fn new(view: Bounds, width: f64) -> Projection {
        let shrink = ((view.south + view.north) / 2.0).to_radians().cos();
        let span = ((view.east - view.west) * shrink).max(1e-6);
        Projection {
            view,
            scale: width / span,
            shrink,
        }
    }

    /// (x, y) of a longitude and latitude.
    pub fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.view.west) * self.shrink * self.scale,
            (self.view.north - lat) * self.scale,
        )
    }

    pub fn width(&self) -> f64 {
        self.xy(self.view.east, self.view.south).0
    }

    pub fn height(&self) -> f64 {
        self.xy(self.view.east, self.view.south).1
    }

    /// An SVG path of `rings`, one decimal.
    pub fn path(&self, rings: &[Vec<(f64, f64)>]) -> String {
        let mut d = String::new();
        for ring in rings {
            for (i, &(lon, lat)) in ring.iter().enumerate() {
                let (x, y) = self.xy(lon, lat);
                d.push_str(&format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" }));
            }
            d.push('Z');
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin_units::PROVINCE_CODES;

    #[test]
    fn every_province_has_an_outline_around_its_centre() {
        let outlines = parse(include_str!("../../data/map/provinces.tsv")).expect("parses");
        assert_eq!(outlines.len(), 34);
        for code in PROVINCE_CODES {
            let o = province(code).unwrap_or_else(|| panic!("{code}"));
            let name = crate::domain::admin_units::province_name(code).expect("named");
            let place = crate::domain::places::Place::named(name).expect(name);
            let (lat, lon) = place.centre();
            // The centres come from another source (DB-IP); each lies within
            // its province's box, give or take a little.
            assert!(o.bounds.padded(0.1, 0.0).contains(lon, lat), "{name}");
        }
        let vn = country();
        assert!(vn.west < 103.0 && vn.east > 109.0 && vn.south < 9.0 && vn.north > 23.0);
    }

    #[test]
    fn the_projection_keeps_north_up_and_the_view_inside() {
        let view = Bounds {
            west: 105.0,
            south: 9.0,
            east: 107.0,
            north: 11.0,
        };
        let p = Projection::new(view, 1000.0);
        assert_eq!(p.xy(105.0, 11.0), (0.0, 0.0));
        let (x, y) = p.xy(107.0, 9.0);
        assert!((x - 1000.0).abs() < 1e-6 && y > x, "{x} {y}");
        assert!(p
            .path(&[vec![(105.0, 11.0), (106.0, 10.0), (107.0, 9.0)]])
            .starts_with("M0.0 0.0L"));
    }

    #[test]
    fn bad_tables_are_refused() {
        for table in ["01 1,2 3,4 5,6", "01\t1,2 3,4", "01\t1,x 3,4 5,6"] {
            assert!(parse(table).is_err(), "{table}");
        }
        let small = Bounds::around([(106.0, 10.0)])
            .expect("one point")
            .padded(0.0, 0.5);
        assert!((small.east - small.west - 0.5).abs() < 1e-9);
    }
}
