//! Natural order for names people read in lists: `producer2` before
//! `producer10` (runs of digits compare as numbers), and Vietnamese names
//! by their letters first (`Đông` beside `Dong`, not after `Z`) before
//! their diacritics. An admin scanning hundreds of accounts otherwise gets
//! `producer1, producer10, producer11, …, producer2`.
//!
//! Written here rather than taken from a crate: it is forty lines, and the
//! diacritic folding the registry's names need (`domain::fold`, the same
//! as search) is not what a generic natural-sort crate does.

use std::cmp::Ordering;

use crate::domain::fold::fold;

/// Compares two names in natural order. Names equal after folding case and
/// diacritics fall back to their exact text, so the order is total and
/// stable between runs.
pub fn compare(a: &str, b: &str) -> Ordering {
    by_chunks(&fold(a), &fold(b))
        .then_with(|| by_chunks(a, b))
        .then_with(|| a.cmp(b))
}

fn by_chunks(mut x: &str, mut y: &str) -> Ordering {
    loop {
        match (x.chars().next(), y.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (n, rest_x) = digits(x);
                let (m, rest_y) = digits(y);
                let (n, m) = (n.trim_start_matches('0'), m.trim_start_matches('0'));
                let order = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
                if order != Ordering::Equal {
                    return order;
                }
                (x, y) = (rest_x, rest_y);
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                (x, y) = (&x[c.len_utf8()..], &y[d.len_utf8()..]);
            }
        }
    }
}

/// The leading run of ASCII digits, and the rest.
fn digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
        v.sort_by(|a, b| compare(a, b));
        v
    }

    #[test]
    fn numbers_inside_names_compare_as_numbers() {
        assert_eq!(
            sorted(&[
                "producer10",
                "producer2",
                "producer1",
                "producer11",
                "admin"
            ]),
            [
                "admin",
                "producer1",
                "producer2",
                "producer10",
                "producer11"
            ]
        );
        assert_eq!(
            sorted(&["lot 100 b", "lot 20 b", "lot 20 a", "lot 3"]),
            ["lot 3", "lot 20 a", "lot 20 b", "lot 100 b"]
        );
    }

    #[test]
    fn long_numbers_do_not_overflow_and_leading_zeros_tie_break() {
        assert_eq!(
            compare("x99999999999999999999999", "x100000000000000000000000"),
            Ordering::Less
        );
        assert_eq!(compare("a01", "a1"), Ordering::Less);
        assert_eq!(compare("a1", "a01"), Ordering::Greater);
        assert_eq!(compare("a1", "a1"), Ordering::Equal);
    }

    #[test]
    fn vietnamese_names_sort_by_letters_then_marks() {
        assert_eq!(
            sorted(&["Zeta", "Đồng Tháp", "Cần Thơ", "Dừa Bến Tre", "an giang"]),
            ["an giang", "Cần Thơ", "Đồng Tháp", "Dừa Bến Tre", "Zeta"]
        );
        // Equal once folded: still ordered, and the same way both ways round.
        let one_way = compare("Hợp tác xã", "hop tac xa");
        assert_ne!(one_way, Ordering::Equal);
        assert_eq!(compare("hop tac xa", "Hợp tác xã"), one_way.reverse());
    }

    #[test]
    fn a_name_before_its_longer_self() {
        assert_eq!(compare("producer", "producer1"), Ordering::Less);
        assert_eq!(compare("", "a"), Ordering::Less);
    }
}
