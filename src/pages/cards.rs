//! Tables that become cards on a phone. Every body cell of a table with a
//! `<thead>` gets its column's heading as `data-label`, and the table gets
//! `data-cards`; under 600 px the stylesheet shows each row as a card, each
//! value under its label (`site.css`, "phones"). Done once on the rendered
//! page, so every table of every portal page, including pages added later,
//! turns into cards with no template change and no script.
//!
//! The pages are our own templates' output: well-formed, tables not nested,
//! headings plain text or simple inline markup. A table without `<thead>`
//! is left as it is.

/// The page with its tables' cells labelled.
pub fn label_cells(html: String) -> String {
    if !html.contains("<thead") {
        return html;
    }
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html.as_str();
    while let Some(start) = find_tag(rest, "table") {
        let Some(len) = rest[start..].find("</table>") else {
            break;
        };
        let end = start + len + "</table>".len();
        out.push_str(&rest[..start]);
        label_table(&rest[start..end], &mut out);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The first `<name` starting a tag of that name (not a longer name:
/// `<th` is not `<thead`).
fn find_tag(s: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find('<').map(|i| i + from) {
        let after = &s[i + 1..];
        if after.len() > name.len()
            && after.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && matches!(
                after.as_bytes()[name.len()],
                b'>' | b' ' | b'\n' | b'\t' | b'/'
            )
        {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// One `<table …>…</table>`, written to `out`.
fn label_table(table: &str, out: &mut String) {
    let (Some(head_start), Some(head_len)) = (table.find("<thead"), table.find("</thead>")) else {
        out.push_str(table);
        return;
    };
    let head_end = head_len + "</thead>".len();
    if head_end <= head_start {
        out.push_str(table);
        return;
    }
    let labels = headings(&table[head_start..head_end]);
    // `<table` then the rest of its opening tag.
    out.push_str("<table data-cards");
    out.push_str(&table["<table".len()..head_end]);
    let mut rest = &table[head_end..];
    let mut column = 0;
    loop {
        let next = ["tr", "td", "th"]
            .iter()
            .filter_map(|name| find_tag(rest, name).map(|at| (at, *name)))
            .min_by_key(|(at, _)| *at);
        let Some((at, name)) = next else {
            break;
        };
        let Some(close) = rest[at..].find('>').map(|i| i + at) else {
            break;
        };
        let open = &rest[at..close];
        out.push_str(&rest[..at]);
        if name == "tr" {
            column = 0;
            out.push_str(open);
        } else {
            let label = labels.get(column).map(String::as_str).unwrap_or("");
            out.push('<');
            out.push_str(name);
            if !label.is_empty() && !open.contains("data-label") {
                out.push_str(" data-label=\"");
                out.push_str(label);
                out.push('"');
            }
            out.push_str(&open[1 + name.len()..]);
            column += span(open);
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
}

/// The labels of the columns: the last heading row's cells, as text.
fn headings(thead: &str) -> Vec<String> {
    let row = match thead.rfind("<tr") {
        Some(at) => &thead[at..],
        None => thead,
    };
    let mut labels = Vec::new();
    let mut rest = row;
    while let Some(at) = find_tag(rest, "th").or_else(|| find_tag(rest, "td")) {
        let Some(close) = rest[at..].find('>').map(|i| i + at) else {
            break;
        };
        let open = &rest[at..close];
        let body = &rest[close + 1..];
        let end = body
            .find("</th>")
            .into_iter()
            .chain(body.find("</td>"))
            .min()
            .unwrap_or(body.len());
        labels.push(text_of(&body[..end]));
        for _ in 1..span(open) {
            labels.push(String::new());
        }
        rest = &body[end..];
    }
    labels
}

/// A cell's `colspan`, 1 when it has none.
fn span(open: &str) -> usize {
    open.find("colspan=")
        .map(|at| &open[at + "colspan=".len()..])
        .map(|v| v.trim_start_matches(['"', '\'']))
        .and_then(|v| {
            v[..v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len())]
                .parse()
                .ok()
        })
        .filter(|n| *n >= 1)
        .unwrap_or(1)
}

/// Markup without its tags, whitespace collapsed, safe inside a quoted
/// attribute (entities stay entities).
fn text_of(markup: &str) -> String {
    let mut text = String::with_capacity(markup.len());
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '"' => text.push_str("&quot;"),
            c => text.push(c),
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::label_cells;

    #[test]
    fn body_cells_get_their_column_heading() {
        let page = "<p>x</p><div class=\"scroll\"><table aria-labelledby=\"a\">\n<thead><tr>\
            <th scope=\"col\">Mã lô</th><th scope=\"col\"><span class=\"hint\">Sửa</span></th></tr></thead>\n\
            <tbody><tr><td><a href=\"/x\">L1</a></td><td>e</td></tr>\
            <tr id=\"r2\"><th scope=\"row\">L2</th><td class=\"n\">f</td></tr></tbody></table></div>";
        assert_eq!(
            label_cells(page.to_owned()),
            "<p>x</p><div class=\"scroll\"><table data-cards aria-labelledby=\"a\">\n<thead><tr>\
            <th scope=\"col\">Mã lô</th><th scope=\"col\"><span class=\"hint\">Sửa</span></th></tr></thead>\n\
            <tbody><tr><td data-label=\"Mã lô\"><a href=\"/x\">L1</a></td><td data-label=\"Sửa\">e</td></tr>\
            <tr id=\"r2\"><th data-label=\"Mã lô\" scope=\"row\">L2</th><td data-label=\"Sửa\" class=\"n\">f</td></tr></tbody></table></div>"
        );
    }

    #[test]
    fn spans_quotes_and_tables_without_headings() {
        let page = "<table><tr><td>no head</td></tr></table>\
            <table><thead><tr><th>A &amp; \"B\"</th><th>C</th><th></th></tr></thead>\
            <tbody><tr><td colspan=\"2\">wide</td><td>z</td></tr><tr><td>1</td><td data-label=\"own\">2</td><td>3</td></tr></tbody></table>";
        assert_eq!(
            label_cells(page.to_owned()),
            "<table><tr><td>no head</td></tr></table>\
            <table data-cards><thead><tr><th>A &amp; \"B\"</th><th>C</th><th></th></tr></thead>\
            <tbody><tr><td data-label=\"A &amp; &quot;B&quot;\" colspan=\"2\">wide</td><td>z</td></tr>\
            <tr><td data-label=\"A &amp; &quot;B&quot;\">1</td><td data-label=\"own\">2</td><td>3</td></tr></tbody></table>"
        );
    }

    #[test]
    fn pages_without_tables_are_untouched() {
        let page = "<main><p>thead is a word; <tablet> is not a table</p></main>";
        assert_eq!(label_cells(page.to_owned()), page);
    }
}
