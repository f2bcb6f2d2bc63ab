//! The layering of `src/` (ARCHITECTURE.md), checked on every run by reading the code:
//!
//! 1. The portable core (every file outside `src/native/` and `src/wasm/`) names no backend:
//!    no `native::`, `wasm::` or `platform` module path. The crate root (`lib.rs`) declares the
//!    backend modules and re-exports their public items (`pub use native::Certificate`);
//!    nothing else of it may name them.
//! 2. The backends never name each other.
//! 3. So the layers have no import cycle: the backends use the core, never the reverse.
//!
//! Comments are not code: a doc may say `src/native/`. `checker_finds_what_it_must` feeds
//! the checker sources that break each rule, so it is known to fail when it should.

#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

/// The layer a file of `src/` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Root,
    Core,
    Native,
    Wasm,
}

fn layer(relative: &Path) -> Layer {
    let mut parts = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy());
    match parts.next().as_deref() {
        Some("native") => Layer::Native,
        Some("wasm") => Layer::Wasm,
        Some("lib.rs") if relative.components().count() == 1 => Layer::Root,
        _ => Layer::Core,
    }
}

/// The code of a line: what precedes `//` (good enough for this crate's style: no `//`
/// inside the strings of the lines checked).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Whether `code` uses a path into the module `name` (`name::`, not `other_name::`).
fn names(code: &str, name: &str) -> bool {
    let needle = format!("{name}::");
    code.match_indices(&needle).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The violations in one file's text.
fn violations(layer: Layer, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = code(line);
        let at = |what: &str| format!("line {}: {what}: {}", n + 1, line.trim());
        match layer {
            Layer::Core => {
                for name in ["native", "wasm", "platform"] {
                    if names(code, name) || code.contains(&format!(" as {name}")) {
                        found.push(at(&format!("the core names `{name}`")));
                    }
                }
            }
            Layer::Root => {
                let reexport = code.trim_start().starts_with("pub use ");
                for name in ["native", "wasm"] {
                    if names(code, name) && !reexport {
                        found.push(at(&format!("the root uses `{name}` beyond a re-export")));
                    }
                }
                if names(code, "platform") || code.contains(" as platform") {
                    found.push(at("the root names a platform alias"));
                }
            }
            Layer::Native => {
                if names(code, "wasm") {
                    found.push(at("the native backend names the wasm one"));
                }
            }
            Layer::Wasm => {
                if names(code, "native") {
                    found.push(at("the wasm backend names the native one"));
                }
            }
        }
    }
    found
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn the_core_names_no_backend_and_the_backends_not_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut all = Vec::new();
    let mut counts = [0usize; 4];
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let layer = layer(relative);
        counts[layer as usize] += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for v in violations(layer, &text) {
            all.push(format!("src/{}: {v}", relative.display()));
        }
    }
    // The walk saw every layer (a moved folder must not make the test pass vacuously).
    assert!(counts.iter().all(|&c| c > 0), "files per layer: {counts:?}");
    assert!(all.is_empty(), "layering broken:\n{}", all.join("\n"));
}

/// The checker fails on each kind of violation, and passes what is allowed.
#[test]
fn checker_finds_what_it_must() {
    let core_bad = [
        "use crate::native::BurstCache;",
        "    connection: crate::platform::Connection,",
        "use crate::wasm::browser_stream::BrowserStream;",
        "use native as platform;",
    ];
    for bad in core_bad {
        assert_eq!(violations(Layer::Core, bad).len(), 1, "{bad}");
    }
    assert_eq!(violations(Layer::Native, "use crate::wasm::x;").len(), 1);
    assert_eq!(
        violations(Layer::Wasm, "let n = crate::native::f();").len(),
        1
    );
    assert_eq!(violations(Layer::Root, "use native as platform;").len(), 1);
    assert_eq!(violations(Layer::Root, "let x = native::f();").len(), 1);
    let allowed = [
        (
            Layer::Core,
            "//! the native backend lives in `src/native/` (native::Connection)",
        ),
        (Layer::Core, "use crate::backend::{Backend, Platform};"),
        (
            Layer::Core,
            "let alternative = my_native::f(); // native::x",
        ),
        (Layer::Root, "pub use native::Certificate;"),
        (Layer::Native, "use crate::dispatch::SocketState;"),
    ];
    for (layer, ok) in allowed {
        assert!(violations(layer, ok).is_empty(), "{ok}");
    }
    assert_eq!(layer(Path::new("native/task.rs")), Layer::Native);
    assert_eq!(layer(Path::new("wasm/mod.rs")), Layer::Wasm);
    assert_eq!(layer(Path::new("lib.rs")), Layer::Root);
    assert_eq!(layer(Path::new("stream/mod.rs")), Layer::Core);
}
