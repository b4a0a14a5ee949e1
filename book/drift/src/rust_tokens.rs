//! A small Rust lexer: just enough to tell code from comments and literals.
//!
//! A name that survives only in a comment or an error message is exactly
//! the drift this crate looks for (a renamed type lives on in a doc comment
//! that says "see `OldName`"), so identifiers are collected from code only.
//! String literals are kept apart: they hold an example's command-line flags.

/// The identifiers and string literals of one Rust source file.
#[derive(Debug, Default)]
pub struct Tokens {
    pub idents: Vec<String>,
    pub strings: Vec<String>,
}

pub fn scan(source: &str) -> Tokens {
    let mut tokens = Tokens::default();
    let b = source.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            i = source[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = skip_block_comment(b, i);
        } else if c == b'"' {
            let end = skip_quoted(b, i + 1);
            tokens.strings.push(source[i + 1..end - 1].to_string());
            i = end;
        } else if let Some(end) = raw_string_end(source, i) {
            i = end;
        } else if c == b'\'' {
            i = skip_char_or_lifetime(b, i);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            // A byte string's `b` prefix is not a name.
            if !(i - start == 1 && c == b'b' && b.get(i) == Some(&b'"')) {
                tokens.idents.push(source[start..i].to_string());
            }
        } else {
            i += 1;
        }
    }
    tokens
}

/// Block comments nest in Rust.
fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// From just after an opening `"` to just after the closing one.
fn skip_quoted(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `r"..."`, `r#"..."#`, `br"..."` starting at `i`: where it ends.
fn raw_string_end(source: &str, i: usize) -> Option<usize> {
    let rest = &source[i..];
    let after_prefix = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    // `r` must start a token, not end one (`for"` is not a raw string).
    if i > 0 {
        let before = source.as_bytes()[i - 1];
        if before.is_ascii_alphanumeric() || before == b'_' {
            return None;
        }
    }
    let hashes = after_prefix.len() - after_prefix.trim_start_matches('#').len();
    let body = after_prefix[hashes..].strip_prefix('"')?;
    let closing = format!("\"{}", "#".repeat(hashes));
    let body_start = source.len() - body.len();
    Some(
        body.find(&closing)
            .map_or(source.len(), |n| body_start + n + closing.len()),
    )
}

/// `'a'`, `'\n'`, `'\u{1F600}'` are characters; `'a` is a lifetime, whose
/// name is not an identifier worth keeping.
fn skip_char_or_lifetime(b: &[u8], i: usize) -> usize {
    if b.get(i + 1) == Some(&b'\\') {
        let mut j = i + 2;
        while j < b.len() && b[j] != b'\'' {
            j += 1;
        }
        return j + 1;
    }
    // One character (one to four UTF-8 bytes), then a closing quote.
    let len = match b.get(i + 1) {
        Some(&lead) if lead >= 0xF0 => 4,
        Some(&lead) if lead >= 0xE0 => 3,
        Some(&lead) if lead >= 0xC0 => 2,
        _ => 1,
    };
    if b.get(i + 1 + len) == Some(&b'\'') {
        return i + 2 + len;
    }
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_strings_hold_no_identifiers() {
        let src = r##"
            /// Uses `OldName` /* nested /* twice */ still */
            fn live<'a>(x: &'a str) -> char { let s = "Gone"; let r = r#"Raw"#; '\'' }
            struct Kept; // TrailingComment
        "##;
        let t = scan(src);
        for name in ["live", "x", "str", "char", "s", "r", "struct", "Kept"] {
            assert!(t.idents.iter().any(|i| i == name), "{name} missing");
        }
        for name in ["OldName", "nested", "a", "Gone", "Raw", "TrailingComment"] {
            assert!(!t.idents.iter().any(|i| i == name), "{name} kept");
        }
        assert_eq!(t.strings, ["Gone"]);
    }
}
