//! The closed vocabularies of the registry. Stored as their snake_case names,
//! so the database stays readable and portable; parsed back with an error
//! that lists what is allowed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares an enum stored and exchanged as fixed strings.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored name; the error lists the allowed names.
            pub fn parse(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What an account may do; see `auth::Role` for what each is bound to.
    RoleKind { Admin => "admin", Producer => "producer", Regulator => "regulator" }
);

text_enum!(FacilityKind {
    Orchard => "orchard",
    Farm => "farm",
    Aquaculture => "aquaculture",
    PackingHouse => "packing_house",
    ProcessingPlant => "processing_plant",
    Warehouse => "warehouse",
});

impl FacilityKind {
    /// How often a regulator inspects a facility of this kind, in days:
    /// packing houses and processing plants, which handle many growers'
    /// produce, twice a year; farms, orchards, ponds and warehouses once.
    pub fn inspection_every_days(self) -> i64 {
        match self {
            FacilityKind::PackingHouse | FacilityKind::ProcessingPlant => 182,
            _ => 365,
        }
    }
}

text_enum!(FacilityStatus { Active => "active", Suspended => "suspended" });

text_enum!(CertificationScheme {
    VietGap => "vietgap",
    GlobalGap => "globalgap",
    Organic => "organic",
    Haccp => "haccp",
    Iso22000 => "iso22000",
    Ocop => "ocop",
    Other => "other",
});

text_enum!(ProductCategory {
    Fruit => "fruit",
    Vegetable => "vegetable",
    Seafood => "seafood",
    Processed => "processed",
});

text_enum!(Unit {
    Kg => "kg",
    Tonne => "tonne",
    Box => "box",
    Piece => "piece",
    Bag => "bag",
    Pack => "pack",
});

text_enum!(BatchStatus { Active => "active", Recalled => "recalled" });

text_enum!(
    /// Critical tracking events; each maps to one EPCIS 2.0 event type.
    EventKind {
        Planting => "planting",
        InputApplication => "input_application",
        Harvesting => "harvesting",
        Cooling => "cooling",
        Packing => "packing",
        FirstLandReceiving => "first_land_receiving",
        Shipping => "shipping",
        Receiving => "receiving",
        Transformation => "transformation",
        Inspection => "inspection",
    }
);

text_enum!(InspectionResult { Pass => "pass", Minor => "minor", Major => "major", Fail => "fail" });

/// Who ordered a recall when no province's regulator did: an administrator
/// of the national registry (a regulator's recall names its province).
pub const NATIONAL_AUTHORITY: &str = "national";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_errors_list_choices() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Ok(*kind));
        }
        let err = FacilityKind::parse("orchad").unwrap_err();
        assert!(
            err.contains("orchard") && err.contains("warehouse"),
            "{err}"
        );
        assert_eq!(
            serde_json::to_string(&FacilityKind::PackingHouse).unwrap(),
            "\"packing_house\""
        );
    }
}
