//! Whether and how the client follows a redirect: pure decisions, no I/O.
//!
//! The rules (RFC 9110 §15.4), in the form the request loop needs them:
//!
//! - 301, 302, 303, 307 and 308 with a `Location` are followed; any other
//!   status, or a redirect without `Location`, is the final response.
//! - `Location` may be relative; it is resolved against the URL that was
//!   requested, as a browser does.
//! - 303 See Other always continues with `GET` (a `HEAD` stays `HEAD`),
//!   without the body. For 301 and 302 the RFC allows the same change for
//!   `POST` only, and every browser makes it, so we do too. 307 and 308
//!   repeat the request as it was, body included.
//! - Credentials are for the origin they were given to: `Authorization`,
//!   `Proxy-Authorization` and `Cookie` (and a hand-set `Host`) are dropped
//!   when a redirect leaves the origin (another scheme, host or port, so
//!   https to http too), so a server cannot collect a token or a session
//!   by redirecting elsewhere. curl does the same since CVE-2022-27776.
//!   Other fields are kept: the client cannot know which custom fields
//!   (`X-Api-Key`) are secrets, so a caller who sets one should not let
//!   redirects be followed to origins it does not trust.
//!
//! The limit on the number of redirects lives with the client's request
//! loop, since only it counts them.

use url::Url;

use crate::headers::Headers;
use crate::proto::error::{Error, ErrorKind, Result, malformed};

/// The fields that carry credentials for the origin they were set for.
const CREDENTIALS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

/// The next request after a redirect.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Redirect {
    pub(crate) url: Url,
    /// The method of the next request.
    pub(crate) method: String,
    /// Whether the next request carries the body again.
    pub(crate) keep_body: bool,
    /// Whether the next request goes to another origin, so credentials
    /// must be left behind.
    pub(crate) cross_origin: bool,
}

/// Decides what a `status` response with `headers` to a `method` request
/// for `from` leads to: `None` if it is the final response.
///
/// # Errors
///
/// [`ErrorKind::Malformed`] if `Location` is not a valid URL reference, and
/// [`ErrorKind::UnsupportedScheme`] if it points to a scheme other than
/// `http` or `https`.
pub(crate) fn follow_redirect(
    status: u16,
    method: &str,
    headers: &Headers,
    from: &Url,
) -> Result<Option<Redirect>> {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = headers.get_bytes("location") else {
        return Ok(None);
    };
    let invalid = || {
        malformed(format!(
            "{status} redirect from {from} has an invalid Location \"{}\"",
            location.escape_ascii()
        ))
    };
    let location = std::str::from_utf8(location).map_err(|_| invalid())?;
    let url = from.join(location.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::new(
            ErrorKind::UnsupportedScheme,
            format!(
                "{status} redirect from {from} leads to {url}; only http and https are supported"
            ),
        ));
    }

    let to_get = match status {
        303 => method != "HEAD",
        301 | 302 => method == "POST",
        _ => false,
    };
    let cross_origin = url.origin() != from.origin();
    Ok(Some(Redirect {
        url,
        method: if to_get {
            "GET".to_owned()
        } else {
            method.to_owned()
        },
        keep_body: !to_get,
        cross_origin,
    }))
}

impl Redirect {
    // ANCHOR: carry_headers
    /// Turns the header fields of the request that was redirected into
    /// those of the next one: no credentials or `Host` for another origin,
    /// no `Content-Type` once the body is left behind.
    pub(crate) fn carry_headers(&self, headers: &mut Headers) {
        if self.cross_origin {
            for name in CREDENTIALS {
                headers.remove(name);
            }
            headers.remove("host");
        }
        if !self.keep_body {
            headers.remove("content-type");
        }
    }
    // ANCHOR_END: carry_headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// The headers of a response with this `Location`, if any.
    fn with_location(value: Option<&[u8]>) -> Headers {
        let mut headers = Headers::new();
        if let Some(value) = value {
            headers.append("Location", value);
        }
        headers
    }

    fn follow(status: u16, method: &str, location: &str) -> Redirect {
        follow_redirect(
            status,
            method,
            &with_location(Some(location.as_bytes())),
            &url("http://a.test/dir/page?q=1"),
        )
        .unwrap()
        .unwrap()
    }

    #[test]
    fn only_redirect_statuses_with_a_location_are_followed() {
        let from = url("http://a.test/");
        for status in [200, 300, 304, 305, 306, 404] {
            assert_eq!(
                follow_redirect(status, "GET", &with_location(Some(b"/x")), &from).unwrap(),
                None,
                "{status}"
            );
        }
        assert_eq!(
            follow_redirect(302, "GET", &with_location(None), &from).unwrap(),
            None
        );
    }

    #[test]
    fn relative_locations_resolve_against_the_request_url() {
        for (location, next) in [
            ("other", "http://a.test/dir/other"),
            ("/root", "http://a.test/root"),
            ("?q=2", "http://a.test/dir/page?q=2"),
            ("//b.test/x", "http://b.test/x"),
            (" https://c.test/ ", "https://c.test/"),
        ] {
            assert_eq!(follow(302, "GET", location).url.as_str(), next);
        }
    }

    #[test]
    fn method_and_body_follow_the_status() {
        let r = follow(303, "POST", "/x");
        assert_eq!((r.method.as_str(), r.keep_body), ("GET", false));
        let r = follow(303, "HEAD", "/x");
        assert_eq!((r.method.as_str(), r.keep_body), ("HEAD", true));
        for status in [301, 302] {
            let r = follow(status, "POST", "/x");
            assert_eq!((r.method.as_str(), r.keep_body), ("GET", false));
            let r = follow(status, "PUT", "/x");
            assert_eq!((r.method.as_str(), r.keep_body), ("PUT", true));
        }
        for status in [307, 308] {
            let r = follow(status, "POST", "/x");
            assert_eq!((r.method.as_str(), r.keep_body), ("POST", true));
        }
    }

    #[test]
    fn origin_changes_are_detected() {
        assert!(!follow(302, "GET", "/x").cross_origin);
        assert!(!follow(302, "GET", "http://a.test:80/x").cross_origin);
        assert!(follow(302, "GET", "https://a.test/x").cross_origin);
        assert!(follow(302, "GET", "http://a.test:8080/x").cross_origin);
        assert!(follow(302, "GET", "http://b.test/x").cross_origin);
    }

    #[test]
    fn credentials_stay_with_their_origin() {
        let mut sent = Headers::new();
        for (name, value) in [
            ("Authorization", "Bearer t"),
            ("Proxy-Authorization", "Basic p"),
            ("Cookie", "session=s"),
            ("Host", "a.test"),
            ("Content-Type", "text/plain"),
            ("X-Trace", "1"),
        ] {
            sent.append(name, value);
        }
        let mut same = sent.clone();
        follow(307, "POST", "/x").carry_headers(&mut same);
        assert_eq!(same.len(), sent.len());
        for location in [
            "https://a.test/x",
            "http://a.test:8080/x",
            "http://b.test/x",
        ] {
            let mut other = sent.clone();
            follow(307, "POST", location).carry_headers(&mut other);
            let names: Vec<&str> = other.iter().map(|(name, _)| name).collect();
            assert_eq!(names, ["Content-Type", "X-Trace"], "{location}");
        }
        let mut get = sent.clone();
        follow(303, "POST", "/x").carry_headers(&mut get);
        assert!(!get.contains("content-type") && get.contains("cookie"));
    }

    #[test]
    fn bad_locations_are_errors() {
        let from = url("http://a.test/");
        let err =
            follow_redirect(302, "GET", &with_location(Some(b"http://[::1")), &from).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert_eq!(
            err.to_string(),
            "302 redirect from http://a.test/ has an invalid Location \"http://[::1\""
        );
        let err = follow_redirect(302, "GET", &with_location(Some(b"\xff")), &from).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        let err = follow_redirect(301, "GET", &with_location(Some(b"ftp://a.test/f")), &from)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsupportedScheme);
    }
}
