//! The inspection checklist per facility kind (issue 19): what a provincial
//! officer checks at a farm, an orchard, a pond, a packing house, a
//! processing plant or a warehouse, following the VietGAP criteria
//! (TCVN 11892-1:2017 for crops, the VietGAP aquaculture rules) and the
//! food-safety conditions of Decree 15/2018 for the establishments that
//! handle produce. Each item has a stable code (stored with the answer, so
//! rewording an item never changes past inspections) and its wording in
//! Vietnamese and English.
//!
//! Every item of the kind is answered — passed, failed or not applicable —
//! and a failed item may carry a note. [`check`] reports every problem at
//! once.

use serde::{Deserialize, Serialize};

use super::kinds::FacilityKind;

/// One thing the officer checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub code: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
}

const fn item(code: &'static str, vi: &'static str, en: &'static str) -> Item {
    Item { code, vi, en }
}

/// Shared by the fields of crops (farms and orchards).
const FARM: &[Item] = &[
    item(
        "farm.pesticide_store",
        "Kho thuốc bảo vệ thực vật có khóa, có nhãn, tách khỏi nơi ở",
        "Pesticide store locked, labelled and apart from living quarters",
    ),
    item(
        "farm.spray_records",
        "Có sổ ghi chép phun thuốc, ghi rõ thời gian cách ly",
        "Spraying records kept, with pre-harvest intervals",
    ),
    item(
        "farm.approved_inputs",
        "Chỉ dùng thuốc, phân bón trong danh mục được phép",
        "Only approved pesticides and fertilisers used",
    ),
    item(
        "farm.water_tested",
        "Nguồn nước tưới đã được phân tích, đạt yêu cầu",
        "Irrigation water source tested and compliant",
    ),
    item(
        "farm.soil_assessed",
        "Đất trồng đã được đánh giá nguy cơ ô nhiễm",
        "Soil assessed for contamination risk",
    ),
    item(
        "farm.workers_trained",
        "Người lao động được tập huấn VietGAP, an toàn khi phun thuốc",
        "Workers trained in VietGAP and safe spraying",
    ),
    item(
        "farm.containers_clean",
        "Dụng cụ, thùng chứa khi thu hoạch sạch sẽ",
        "Harvest tools and containers clean",
    ),
    item(
        "farm.waste_packaging",
        "Vỏ bao bì thuốc được thu gom đúng nơi quy định",
        "Empty pesticide packaging collected at the designated place",
    ),
];

const ORCHARD: &[Item] = &[
    item(
        "orchard.pesticide_store",
        "Kho thuốc bảo vệ thực vật có khóa, có nhãn, tách khỏi nơi ở",
        "Pesticide store locked, labelled and apart from living quarters",
    ),
    item(
        "orchard.spray_records",
        "Có sổ ghi chép phun thuốc, ghi rõ thời gian cách ly",
        "Spraying records kept, with pre-harvest intervals",
    ),
    item(
        "orchard.approved_inputs",
        "Chỉ dùng thuốc, phân bón trong danh mục được phép",
        "Only approved pesticides and fertilisers used",
    ),
    item(
        "orchard.water_tested",
        "Nguồn nước tưới đã được phân tích, đạt yêu cầu",
        "Irrigation water source tested and compliant",
    ),
    item(
        "orchard.area_code",
        "Mã số vùng trồng còn hiệu lực, ranh giới vườn đúng hồ sơ",
        "Planting area code valid, orchard boundaries as registered",
    ),
    item(
        "orchard.workers_trained",
        "Người lao động được tập huấn VietGAP, an toàn khi phun thuốc",
        "Workers trained in VietGAP and safe spraying",
    ),
    item(
        "orchard.containers_clean",
        "Dụng cụ, thùng chứa khi thu hoạch sạch, không đặt trái trực tiếp trên đất",
        "Harvest containers clean, fruit never laid on bare soil",
    ),
    item(
        "orchard.waste_packaging",
        "Vỏ bao bì thuốc được thu gom đúng nơi quy định",
        "Empty pesticide packaging collected at the designated place",
    ),
];

const AQUACULTURE: &[Item] = &[
    item(
        "aqua.water_tests",
        "Có sổ theo dõi chất lượng nước ao (pH, oxy hòa tan, độ mặn)",
        "Pond water tests logged (pH, dissolved oxygen, salinity)",
    ),
    item(
        "aqua.seed_origin",
        "Con giống có nguồn gốc rõ ràng, có giấy kiểm dịch",
        "Seed stock of known origin, with quarantine certificate",
    ),
    item(
        "aqua.feed_records",
        "Có sổ ghi chép thức ăn (loại, lô, lượng cho ăn)",
        "Feed records kept (type, lot, amount fed)",
    ),
    item(
        "aqua.vet_drug_records",
        "Có sổ ghi chép thuốc thú y, hóa chất, chế phẩm sinh học",
        "Veterinary drug, chemical and probiotic records kept",
    ),
    item(
        "aqua.withdrawal",
        "Tuân thủ thời gian ngưng sử dụng thuốc trước khi thu hoạch",
        "Withdrawal periods kept before harvest",
    ),
    item(
        "aqua.banned_substances",
        "Không sử dụng kháng sinh, hóa chất cấm",
        "No banned antibiotics or chemicals used",
    ),
    item(
        "aqua.wastewater",
        "Nước thải, bùn đáy ao được xử lý trước khi xả",
        "Wastewater and pond sludge treated before discharge",
    ),
    item(
        "aqua.workers_trained",
        "Người lao động được tập huấn VietGAP thủy sản",
        "Workers trained in aquaculture VietGAP",
    ),
];

const PACKING_HOUSE: &[Item] = &[
    item(
        "pack.hand_washing",
        "Có chỗ rửa tay, xà phòng; công nhân rửa tay trước khi làm việc",
        "Hand-washing stations with soap, used before work",
    ),
    item(
        "pack.cold_chain_log",
        "Có sổ theo dõi nhiệt độ kho lạnh, chuỗi lạnh",
        "Cold-store and cold-chain temperature log kept",
    ),
    item(
        "pack.pest_control",
        "Có biện pháp kiểm soát côn trùng, động vật gây hại",
        "Pest control in place",
    ),
    item(
        "pack.lot_labels",
        "Lô hàng có nhãn truy xuất (mã lô, nơi trồng, ngày đóng gói)",
        "Traceability labels on lots (lot, origin, packing date)",
    ),
    item(
        "pack.wash_water",
        "Nước rửa, sơ chế đạt quy chuẩn nước sinh hoạt",
        "Washing water meets the domestic water standard",
    ),
    item(
        "pack.separation",
        "Khu nguyên liệu, sơ chế, thành phẩm tách biệt",
        "Raw, handling and finished areas kept apart",
    ),
    item(
        "pack.materials",
        "Bao bì, vật liệu tiếp xúc thực phẩm được phép sử dụng",
        "Packaging and food-contact materials approved",
    ),
    item(
        "pack.worker_health",
        "Công nhân có giấy khám sức khỏe, bảo hộ lao động",
        "Workers' health certificates and protective clothing",
    ),
    item(
        "pack.intake_records",
        "Có sổ nhận hàng ghi rõ vùng trồng, người cung cấp",
        "Intake records name planting area and supplier",
    ),
];

const PROCESSING_PLANT: &[Item] = &[
    item(
        "plant.food_safety_cert",
        "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm còn hiệu lực",
        "Food-safety establishment certificate valid",
    ),
    item(
        "plant.hand_washing",
        "Có chỗ rửa tay, khử trùng trước khu chế biến",
        "Hand-washing and sanitising before the processing area",
    ),
    item(
        "plant.one_way_flow",
        "Bố trí một chiều từ nguyên liệu đến thành phẩm",
        "One-way flow from raw material to finished product",
    ),
    item(
        "plant.haccp_records",
        "Có hồ sơ kiểm soát điểm tới hạn (HACCP) được ghi đầy đủ",
        "Critical control point (HACCP) records complete",
    ),
    item(
        "plant.cold_chain_log",
        "Có sổ theo dõi nhiệt độ kho lạnh, thiết bị cấp đông",
        "Cold-store and freezer temperature log kept",
    ),
    item(
        "plant.pest_control",
        "Có biện pháp kiểm soát côn trùng, động vật gây hại",
        "Pest control in place",
    ),
    item(
        "plant.water_ice",
        "Nước, nước đá dùng trong chế biến được kiểm nghiệm định kỳ",
        "Process water and ice tested regularly",
    ),
    item(
        "plant.additives",
        "Phụ gia, hóa chất trong danh mục được phép, có nhãn, bảo quản riêng",
        "Additives and chemicals approved, labelled and stored apart",
    ),
    item(
        "plant.worker_health",
        "Công nhân có giấy khám sức khỏe, tập huấn kiến thức an toàn thực phẩm",
        "Workers' health certificates and food-safety training",
    ),
    item(
        "plant.lot_labels",
        "Thành phẩm có nhãn truy xuất, lưu mẫu theo lô",
        "Finished products labelled for traceability, samples kept per lot",
    ),
];

const WAREHOUSE: &[Item] = &[
    item(
        "store.temperature_log",
        "Có sổ theo dõi nhiệt độ, độ ẩm kho",
        "Storage temperature and humidity log kept",
    ),
    item(
        "store.clean",
        "Kho sạch, khô, thông thoáng, hàng kê cao khỏi sàn",
        "Store clean, dry, ventilated; goods off the floor",
    ),
    item(
        "store.pest_control",
        "Có biện pháp kiểm soát côn trùng, động vật gây hại",
        "Pest control in place",
    ),
    item(
        "store.separation",
        "Thực phẩm để riêng với hóa chất, phân bón, thuốc",
        "Food kept apart from chemicals, fertilisers and pesticides",
    ),
    item(
        "store.lot_records",
        "Có sổ nhập, xuất ghi mã lô",
        "Goods-in and goods-out records by lot",
    ),
    item(
        "store.first_expiry",
        "Hàng hết hạn, bị thu hồi được tách riêng, có dấu hiệu",
        "Expired and recalled goods set apart and marked",
    ),
];

/// The checklist of a facility kind, in the order it is walked.
pub fn items(kind: FacilityKind) -> &'static [Item] {
    match kind {
        FacilityKind::Farm => FARM,
        FacilityKind::Orchard => ORCHARD,
        FacilityKind::Aquaculture => AQUACULTURE,
        FacilityKind::PackingHouse => PACKING_HOUSE,
        FacilityKind::ProcessingPlant => PROCESSING_PLANT,
        FacilityKind::Warehouse => WAREHOUSE,
    }
}

/// The item of this code, of whichever kind.
pub fn find(code: &str) -> Option<&'static Item> {
    FacilityKind::ALL
        .iter()
        .flat_map(|k| items(*k))
        .find(|i| i.code == code)
}

/// The most items any kind has: an inspection carries at most this many
/// answers.
pub const MAX_ITEMS: usize = 10;

/// The longest note on a failed item.
pub const MAX_NOTE: usize = 500;

/// How an item was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    #[serde(rename = "pass")]
    Pass,
    #[serde(rename = "fail")]
    Fail,
    #[serde(rename = "not_applicable")]
    NotApplicable,
}

impl Answer {
    pub const ALL: &'static [Answer] = &[Answer::Pass, Answer::Fail, Answer::NotApplicable];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Pass => "pass",
            Answer::Fail => "fail",
            Answer::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(text: &str) -> Option<Answer> {
        Answer::ALL.iter().copied().find(|a| a.as_str() == text)
    }

    /// (Vietnamese, English).
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Answer::Pass => ("Đạt", "Pass"),
            Answer::Fail => ("Không đạt", "Fail"),
            Answer::NotApplicable => ("Không áp dụng", "Not applicable"),
        }
    }
}

/// One answer as given (a form's radio and note, an API's array entry).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Given {
    pub code: String,
    pub answer: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// One answer, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub code: &'static str,
    pub answer: Answer,
    /// Only a failed item keeps its note.
    pub note: Option<String>,
}

/// A problem with the checklist: the field it belongs beside
/// (`checklist.<code>`, `checklist.<code>.note`, or `checklist`), in
/// English and Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub en: String,
    pub vi: String,
}

fn problem(field: String, en: impl Into<String>, vi: impl Into<String>) -> Problem {
    Problem {
        field,
        en: en.into(),
        vi: vi.into(),
    }
}

/// Checks the answers against the kind's checklist: every item answered
/// once with a known answer, nothing from another list, notes short and
/// clean. Every problem is reported, in the checklist's order.
pub fn check(kind: FacilityKind, given: &[Given]) -> Result<Vec<Checked>, Vec<Problem>> {
    let list = items(kind);
    let mut problems = Vec::new();
    if given.len() > MAX_ITEMS {
        return Err(vec![problem(
            "checklist".into(),
            format!("at most {MAX_ITEMS} answers"),
            format!("Tối đa {MAX_ITEMS} mục"),
        )]);
    }
    for g in given {
        if !list.iter().any(|i| i.code == g.code) {
            problems.push(problem(
                "checklist".into(),
                format!(
                    "{:?} is not an item of this facility kind's checklist",
                    g.code
                ),
                format!(
                    "Mục \"{}\" không thuộc danh mục kiểm tra của loại cơ sở này",
                    g.code
                ),
            ));
        }
    }
    let mut out = Vec::new();
    for item in list {
        let field = format!("checklist.{}", item.code);
        let mine: Vec<&Given> = given.iter().filter(|g| g.code == item.code).collect();
        let g = match mine.as_slice() {
            [] => {
                problems.push(problem(
                    field,
                    "answer this item: pass, fail or not applicable",
                    "Chưa trả lời mục này: chọn Đạt, Không đạt hoặc Không áp dụng",
                ));
                continue;
            }
            [one] => *one,
            _ => {
                problems.push(problem(
                    field,
                    "this item is answered more than once",
                    "Mục này được trả lời nhiều lần",
                ));
                continue;
            }
        };
        let Some(answer) = Answer::parse(g.answer.trim()) else {
            problems.push(problem(
                field,
                "answer pass, fail or not_applicable",
                "Chọn Đạt, Không đạt hoặc Không áp dụng",
            ));
            continue;
        };
        let note = g.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = note {
            if n.chars().count() > MAX_NOTE || n.chars().any(|c| c.is_control() && c != '\n') {
                problems.push(problem(
                    format!("{field}.note"),
                    format!("a note is at most {MAX_NOTE} characters, without control characters"),
                    format!("Ghi chú tối đa {MAX_NOTE} ký tự, không chứa ký tự điều khiển"),
                ));
                continue;
            }
        }
        out.push(Checked {
            code: item.code,
            answer,
            note: note.filter(|_| answer == Answer::Fail).map(str::to_owned),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(kind: FacilityKind, answer: &str) -> Vec<Given> {
        items(kind)
            .iter()
            .map(|i| Given {
                code: i.code.into(),
                answer: answer.into(),
                note: Some("  ghi chú ".into()),
            })
            .collect()
    }

    #[test]
    fn every_kind_has_six_to_ten_items_with_unique_codes() {
        let mut codes = std::collections::HashSet::new();
        for kind in FacilityKind::ALL {
            let list = items(*kind);
            assert!((6..=MAX_ITEMS).contains(&list.len()), "{kind}");
            for i in list {
                assert!(codes.insert(i.code), "{} twice", i.code);
                assert!(!i.vi.is_empty() && !i.en.is_empty());
            }
        }
        assert!(FacilityKind::ALL
            .iter()
            .any(|k| items(*k).len() == MAX_ITEMS));
        assert_eq!(
            find("aqua.withdrawal").unwrap().en,
            "Withdrawal periods kept before harvest"
        );
    }

    #[test]
    fn a_complete_list_passes_and_keeps_notes_of_failed_items_only() {
        let mut given = all(FacilityKind::Farm, "pass");
        given[1].answer = "fail".into();
        let checked = check(FacilityKind::Farm, &given).unwrap();
        assert_eq!(checked.len(), FARM.len());
        assert_eq!(checked[0].note, None);
        assert_eq!(checked[1].note.as_deref(), Some("ghi chú"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut given = all(FacilityKind::Aquaculture, "pass");
        given.remove(0);
        given.remove(2);
        given[0].answer = "maybe".into();
        given.push(Given {
            code: "farm.water_tested".into(),
            answer: "pass".into(),
            note: None,
        });
        let problems = check(FacilityKind::Aquaculture, &given).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "checklist",
                "checklist.aqua.water_tests",
                "checklist.aqua.seed_origin",
                "checklist.aqua.vet_drug_records"
            ]
        );
        let empty = check(FacilityKind::Warehouse, &[]).unwrap_err();
        assert_eq!(empty.len(), WAREHOUSE.len());
    }

    #[test]
    fn too_many_answers_are_refused_naming_the_list() {
        let mut given = all(FacilityKind::ProcessingPlant, "pass");
        given.push(given[0].clone());
        let problems = check(FacilityKind::ProcessingPlant, &given).unwrap_err();
        assert_eq!(problems[0].field, "checklist");
    }
}
