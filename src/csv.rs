//! CSV as spreadsheet users open it. A few lines of RFC 4180 instead of a
//! dependency: the files are small, written whole, and only ever written.

/// Excel reads a CSV without a byte-order mark in the local ANSI code page,
/// which turns "Bưởi Năm Roi" into mojibake; with it, Excel reads UTF-8.
const BOM: &str = "\u{feff}";

/// A CSV document: a BOM, a header row, then one row per record, each line
/// ended by CRLF as RFC 4180 asks.
pub struct Csv {
    text: String,
}

impl Csv {
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Csv {
            text: BOM.to_owned(),
        };
        csv.row(header.iter().copied());
        csv
    }

    /// Rows only, no mark or header: a later chunk of a streamed file.
    pub fn bare() -> Self {
        Csv {
            text: String::new(),
        }
    }

    pub fn row<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            push_field(&mut self.text, field);
        }
        self.text.push_str("\r\n");
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

/// Quotes a field that holds a separator, a quote or a line break, doubling
/// its quotes. Text a spreadsheet would run as a formula (`=…`, `+…`, `-…`,
/// `@…`, but not a number such as `-5.2`) gets a leading `'`: these names
/// are typed by producers and opened by anyone, so one must not be able to
/// plant a formula in everyone's spreadsheet. The JSON keeps the exact text.
fn push_field(out: &mut String, field: &str) {
    let formula =
        field.starts_with(['=', '+', '-', '@', '\t', '\r']) && field.parse::<f64>().is_err();
    if !formula && !field.contains([',', '"', '\r', '\n']) {
        out.push_str(field);
        return;
    }
    out.push('"');
    if formula {
        out.push('\'');
    }
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(fields: &[&str]) -> String {
        let mut csv = Csv::new(&[]);
        csv.row(fields.iter().copied());
        csv.into_string()
            .trim_start_matches(['\u{feff}', '\r', '\n'])
            .to_owned()
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(line(&["Bưởi", "", "10.25"]), "Bưởi,,10.25\r\n");
        assert_eq!(
            line(&["HTX \"Mỹ Hòa\", Vĩnh Long", "a\nb"]),
            "\"HTX \"\"Mỹ Hòa\"\", Vĩnh Long\",\"a\nb\"\r\n"
        );
        assert_eq!(
            line(&["-5.2", "=1+1", "@SUM(A1)"]),
            "-5.2,\"'=1+1\",\"'@SUM(A1)\"\r\n"
        );
        assert!(Csv::new(&["id"])
            .into_string()
            .starts_with("\u{feff}id\r\n"));
    }
}
