//! The layers of DESIGN.md, read from the source: top-level modules import
//! one another without a cycle, `domain` imports no other module, and no
//! page, EPCIS or resolver adapter reaches into the JSON API's handlers —
//! a rule written once in `service` is then the same on every entry point.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level module a file under `src/` belongs to (`None`: the crate
/// root and the binary, which wire modules together).
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The top-level modules a file names: `crate::x…`, each item of
/// `crate::{x, y::z}`, and `super::…` where it climbs to the crate root.
fn references(source: &str, depth: usize) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    let to_root = "super::".repeat(depth);
    let mut prefixes = vec!["crate::".to_owned()];
    if depth > 0 {
        prefixes.push(to_root);
    }
    for prefix in &prefixes {
        let mut rest = source;
        while let Some(at) = rest.find(prefix.as_str()) {
            // `super::super::` inside a deeper `super::` chain is not a root.
            let before = &rest[..at];
            rest = &rest[at + prefix.len()..];
            if prefix.starts_with("super") && before.ends_with("super::") {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let mut level = 0;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => level += 1,
                        '}' if level == 0 => break,
                        '}' => level -= 1,
                        ',' if level == 0 => {
                            found.insert(ident(&item));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if level == 0 {
                        item.push(c);
                    }
                }
                found.insert(ident(&item));
            } else {
                found.insert(ident(rest));
            }
        }
    }
    found.retain(|m| !m.is_empty() && m.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeSet<String> = BTreeSet::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let Some(module) = module_of(relative) else {
                continue;
            };
            // src/x.rs and src/x/mod.rs sit one level below the root.
            let depth = relative.components().count()
                - usize::from(relative.file_name().is_some_and(|n| n == "mod.rs"));
            // Comments may name modules without importing them.
            let source: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            modules.insert(module.clone());
            edges
                .entry(module)
                .or_default()
                .extend(references(&source, depth));
        }
    }
    for (module, targets) in edges.iter_mut() {
        targets.retain(|t| t != module && modules.contains(t));
    }
    edges
}

/// A cycle through `start`, if there is one, as the modules along it.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut path = vec![start.to_owned()];
    let mut seen = BTreeSet::new();
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().unwrap().clone();
        for next in graph.get(&here).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(graph, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn top_level_modules_import_each_other_without_a_cycle() {
    let graph = graph();
    assert!(graph.len() > 10, "the source was read: {graph:?}");
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_from(&graph, m))
        .map(|c| c.join(" → "))
        .collect();
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

#[test]
fn the_domain_imports_no_other_module() {
    let graph = graph();
    assert_eq!(graph["domain"], BTreeSet::new(), "domain is pure");
}

#[test]
fn adapters_call_services_not_each_others_handlers() {
    let graph = graph();
    for adapter in ["pages", "resolver", "epcis", "demo", "service", "models"] {
        assert!(
            !graph[adapter].contains("api"),
            "{adapter} imports the JSON API's handlers"
        );
    }
    for lower in ["models", "domain", "epcis", "public", "service"] {
        for adapter in ["pages", "resolver", "api", "demo"] {
            assert!(
                !graph[lower].contains(adapter),
                "{lower} imports the adapter {adapter}"
            );
        }
    }
}

#[test]
fn the_reader_sees_grouped_and_climbing_imports() {
    let found = references(
        "use crate::{a::b, c}; use super::super::d; fn f() { super::e::g(); crate::h::i() }",
        2,
    );
    assert_eq!(
        found,
        ["a", "c", "d", "h"].into_iter().map(String::from).collect()
    );
    let top = references("use super::AppState; use super::x::y;", 1);
    assert_eq!(top, ["x"].into_iter().map(String::from).collect());
}
