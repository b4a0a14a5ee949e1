//! Reading the JSON report `spool-dl --report FILE` writes.
//!
//! Parsed from the JSON itself rather than through the downloader's
//! `Report` type, so the tests check the file a script would read, and keep
//! working when fields are added (an `error_kind`, say). The fields read
//! here are the documented ones: `url`, `status`, `path`, `attempts`,
//! `http_status`, `error`, and `error_kind` where present.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One URL's entry in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The URL as given.
    pub url: String,
    /// `"status": "ok"`.
    pub ok: bool,
    /// Where the file was saved.
    pub path: Option<PathBuf>,
    /// Attempts made, the first included.
    pub attempts: u64,
    /// The last response's status code.
    pub http_status: Option<u64>,
    /// Why it failed.
    pub error: Option<String>,
    /// The class of the failure, when the report has one.
    pub error_kind: Option<String>,
}

impl Entry {
    /// The failure's class if the report gives one, else its message: what
    /// figures group failures by.
    pub fn reason(&self) -> &str {
        self.error_kind
            .as_deref()
            .or(self.error.as_deref())
            .unwrap_or("")
    }
}

/// The entries of the report at `path`, in input order.
///
/// # Errors
///
/// A message saying what is missing or malformed.
pub fn read(path: &Path) -> Result<Vec<Entry>, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("reading the report {}: {e}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("the report is not JSON: {e}"))?;
    let downloads = json
        .get("downloads")
        .and_then(Value::as_array)
        .ok_or("the report has no \"downloads\" array")?;
    downloads.iter().map(entry).collect()
}

fn entry(value: &Value) -> Result<Entry, String> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let url = text("url").ok_or_else(|| format!("an entry without a url: {value}"))?;
    let ok = match text("status").as_deref() {
        Some("ok") => true,
        Some("failed") => false,
        other => return Err(format!("{url}: status {other:?} is neither ok nor failed")),
    };
    Ok(Entry {
        ok,
        path: text("path").map(PathBuf::from),
        attempts: value.get("attempts").and_then(Value::as_u64).unwrap_or(0),
        http_status: value.get("http_status").and_then(Value::as_u64),
        error: text("error"),
        error_kind: text("error_kind"),
        url,
    })
}
