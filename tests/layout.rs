//! The layout of src/ (README, "How the code is laid out"): folders by the
//! stage a call passes through, imports running one way only, and no file
//! or function too long to read. Read from the source itself, so a change
//! that breaks the rule fails here.

use std::fs;
use std::path::{Path, PathBuf};

/// The stages, bottom first. A module may import from its own stage and
/// from the stages before it, never from one after it. `poll`,
/// `diagnose` and `agent` (the agent's other calls) share the top stage
/// and do not import each other.
const STAGES: [&[&str]; 11] = [
    &["limits", "redact", "advice"],
    &["error"],
    &["wire"],
    &["auth"],
    &["transport"],
    &["config"],
    &["channel"],
    &["calls"],
    &["poll", "diagnose", "agent"],
    &[],
    &["lib"],
];

fn stage(part: &str) -> Option<usize> {
    STAGES.iter().position(|s| s.contains(&part))
}

/// Every .rs file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level part a file belongs to: `channel` for src/channel/send.rs,
/// `limits` for src/limits.rs, `lib` for src/lib.rs.
fn part_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// The file without its `#[cfg(test)]` module and without comments.
fn code(file: &Path) -> String {
    let text = fs::read_to_string(file).unwrap();
    let text = text.split("\n#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn files() -> (PathBuf, Vec<PathBuf>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    (src, files)
}

#[test]
fn every_part_has_a_stage() {
    let (src, files) = files();
    for file in &files {
        let part = part_of(&src, file);
        assert!(
            stage(&part).is_some(),
            "{} is in no stage of tests/layout.rs",
            file.display()
        );
    }
}

#[test]
fn imports_run_one_way() {
    let (src, files) = files();
    let mut wrong = Vec::new();
    for file in &files {
        let from = part_of(&src, file);
        let Some(from_stage) = stage(&from) else {
            continue;
        };
        let code = code(file);
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let to: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` lists: each name inside the braces.
            let targets: Vec<String> = if rest.starts_with('{') {
                let inner = &rest[1..rest.find('}').unwrap_or(1)];
                inner
                    .split(',')
                    .filter_map(|n| n.split("::").next())
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .collect()
            } else {
                vec![to]
            };
            for to in targets {
                if to == from {
                    continue;
                }
                match stage(&to) {
                    Some(s) if s < from_stage || (s == from_stage && from == "lib") => {}
                    Some(_) => wrong.push(format!("{}: crate::{to}", file.display())),
                    // A name taken through the crate root instead of its module.
                    None if from != "lib" => wrong.push(format!(
                        "{}: crate::{to} (through the root)",
                        file.display()
                    )),
                    None => {}
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that run up the stages:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_file_or_function_too_long() {
    let (_, files) = files();
    let mut long = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let body = text.split("\n#[cfg(test)]").next().unwrap_or_default();
        let lines: Vec<&str> = body.lines().collect();
        if lines.len() > 600 {
            long.push(format!("{}: {} lines", file.display(), lines.len()));
        }
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn "]
                .iter()
                .any(|p| trimmed.starts_with(p))
                && !trimmed.ends_with(';');
            if !is_fn {
                continue;
            }
            // rustfmt puts the closing brace at the function's indentation.
            let close = format!("{}}}", &line[..line.len() - trimmed.len()]);
            if let Some(end) = lines[i + 1..].iter().position(|l| *l == close) {
                if end + 2 > 80 {
                    long.push(format!("{}:{}: {} lines", file.display(), i + 1, end + 2));
                }
            }
        }
    }
    assert!(long.is_empty(), "too long:\n{}", long.join("\n"));
}
