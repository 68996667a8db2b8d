//! Simplified Chinese for buyers: the consumer pages' sentences, keyed by
//! their Vietnamese (`Lang::t` with `Lang::Zh`), so the templates keep
//! saying `l.t("Chính hãng", "Genuine")`. A sorted static table searched
//! by binary search: nothing allocated per lookup. A sentence missing here
//! shows in Vietnamese, and tests/it/chinese.rs fails on it.

/// The Chinese of a Vietnamese sentence of the consumer pages, if known.
pub fn zh(vi: &str) -> Option<&'static str> {
    ZH.binary_search_by(|(key, _)| (*key).cmp(vi))
        .ok()
        .map(|i| ZH[i].1)
}

/// (Vietnamese, Chinese), sorted by the Vietnamese bytes.
static ZH: &[(&str, &str)] = &[];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_unique() {
        for pair in ZH.windows(2) {
            assert!(
                pair[0].0 < pair[1].0,
                "{:?} before {:?}",
                pair[0].0,
                pair[1].0
            );
        }
        assert_eq!(zh("Chính hãng"), Some("正品"));
        assert_eq!(zh("nothing like this"), None);
    }
}
