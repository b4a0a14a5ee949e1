//! Exercise solution ("Through an HTTP proxy", exercise 1): the `no_proxy`
//! list as a decision table.
//!
//! Each row is a URL and a prediction of where a request for it goes with
//! [`office_proxy`]; the test asks `Proxy::is_used_for` about every row and
//! names the rows whose prediction was wrong.

use spool_http::Proxy;

// ANCHOR: no_proxy_table
/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    ThroughTheProxy,
    Direct,
}

/// An office's settings: one proxy for everything, except the hosts listed.
pub fn office_proxy() -> Proxy {
    Proxy::all("http://proxy.corp.example:3128")
        .unwrap()
        .no_proxy("localhost, .corp.example, 10.0.0.0/8, example.org:8080")
}

/// The predictions, each with its reason.
pub const PREDICTIONS: &[(&str, Route)] = &[
    // A listed name, whatever its case.
    ("http://localhost:8000/", Route::Direct),
    ("http://LOCALHOST/", Route::Direct),
    // Names are compared as written, never resolved: `localhost` does not
    // cover the address it resolves to.
    ("http://127.0.0.1/", Route::ThroughTheProxy),
    // A domain covers itself (the leading dot changes nothing) and every
    // name under it, but not a name that merely ends the same way.
    ("https://corp.example/", Route::Direct),
    ("https://wiki.corp.example/", Route::Direct),
    ("https://notcorp.example/", Route::ThroughTheProxy),
    // A CIDR block covers the addresses in it, not names that look alike.
    ("http://10.20.30.40/", Route::Direct),
    ("http://10.example/", Route::ThroughTheProxy),
    // With a port, an entry covers that port only, and a URL without one
    // uses its scheme's.
    ("http://example.org:8080/", Route::Direct),
    ("http://example.org/", Route::ThroughTheProxy),
    ("https://example.org:8080/", Route::Direct),
];
// ANCHOR_END: no_proxy_table

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    #[test]
    fn every_prediction_matches_the_client() {
        let proxy = office_proxy();
        let wrong: Vec<String> = PREDICTIONS
            .iter()
            .filter_map(|&(url, predicted)| {
                let actual = if proxy.is_used_for(&Url::parse(url).unwrap()) {
                    Route::ThroughTheProxy
                } else {
                    Route::Direct
                };
                (actual != predicted)
                    .then(|| format!("{url}: predicted {predicted:?}, the client goes {actual:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
