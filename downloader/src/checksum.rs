//! Checking a download against a published digest: `--checksum
//! sha-256=HEX`, or `checksum=sha-256=HEX` under a URL in the list file.
//!
//! A mirror may serve a truncated, stale or tampered file with a `200 OK`,
//! and nothing in HTTP says so. A digest from a trusted place is the only
//! check that does, so a download with a [`Checksum`] reaches its final
//! name only if the digest of its bytes matches; otherwise the attempt
//! fails with both digests, expected and actual, in the report.
//!
//! The digest is computed while the body streams to disk ([`Hasher`]), so
//! checking costs no second read of the file. Only a resumed prefix, whose
//! bytes arrived in an earlier attempt or run, is read back from disk.
//!
//! The algorithm names are aria2c's (`sha-1`, `sha-256`, `sha-512`, `md5`),
//! case-insensitive, with the hyphen optional (`sha256`) since that is how
//! the `sha256sum` tool spells it. SHA-1 and MD5 are broken against an
//! attacker who makes both files; they are accepted because old mirrors
//! publish nothing else, and they still catch corruption. The digests come
//! from the RustCrypto crates (`sha2`, `sha1`, `md-5`), which all implement
//! the same `digest::Digest` trait.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// A digest algorithm `--checksum` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// SHA-256, the common choice today.
    Sha256,
    /// SHA-512.
    Sha512,
    /// SHA-1: for old mirrors only.
    Sha1,
    /// MD5: for old mirrors only.
    Md5,
}

impl Algorithm {
    /// The name as aria2c and the report spell it: `sha-256`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha-256",
            Algorithm::Sha512 => "sha-512",
            Algorithm::Sha1 => "sha-1",
            Algorithm::Md5 => "md5",
        }
    }

    /// The digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
            Algorithm::Sha1 => 20,
            Algorithm::Md5 => 16,
        }
    }

    fn from_name(name: &str) -> Option<Algorithm> {
        match name.to_ascii_lowercase().as_str() {
            "sha-256" | "sha256" => Some(Algorithm::Sha256),
            "sha-512" | "sha512" => Some(Algorithm::Sha512),
            "sha-1" | "sha1" => Some(Algorithm::Sha1),
            "md5" | "md-5" => Some(Algorithm::Md5),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An expected digest: `sha-256=9f86d0…`.
///
/// # Examples
///
/// ```
/// use spool_dl::checksum::{Algorithm, Checksum};
///
/// let sum: Checksum = "sha-256=2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824".parse()?;
/// assert_eq!(sum.algorithm(), Algorithm::Sha256);
/// let mut hasher = sum.hasher();
/// hasher.update(b"hel");
/// hasher.update(b"lo");
/// assert!(sum.verify(hasher).is_ok());
/// # Ok::<(), spool_dl::checksum::ChecksumError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    algorithm: Algorithm,
    expected: Vec<u8>,
}

impl Checksum {
    /// The algorithm to hash with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The expected digest as lower-case hex.
    pub fn expected_hex(&self) -> String {
        hex::encode(&self.expected)
    }

    /// A fresh hasher for this checksum's algorithm.
    pub fn hasher(&self) -> Hasher {
        Hasher::new(self.algorithm)
    }

    /// Compares what `hasher` has seen with the expected digest.
    pub fn verify(&self, hasher: Hasher) -> Result<(), Mismatch> {
        let actual = hasher.finish();
        if actual == self.expected {
            Ok(())
        } else {
            Err(Mismatch {
                algorithm: self.algorithm,
                expected: self.expected_hex(),
                actual: hex::encode(actual),
            })
        }
    }
}

impl FromStr for Checksum {
    type Err = ChecksumError;

    /// Parses `ALGORITHM=HEX`; the hex may be upper or lower case.
    fn from_str(text: &str) -> Result<Checksum, ChecksumError> {
        let (name, digest) = text
            .split_once('=')
            .ok_or_else(|| ChecksumError::NoEquals(text.to_owned()))?;
        let algorithm = Algorithm::from_name(name.trim())
            .ok_or_else(|| ChecksumError::UnknownAlgorithm(name.trim().to_owned()))?;
        let digest = digest.trim();
        let expected = hex::decode(digest).map_err(|_| ChecksumError::NotHex {
            algorithm,
            digits: digest.len(),
        })?;
        if expected.len() != algorithm.digest_len() {
            return Err(ChecksumError::NotHex {
                algorithm,
                digits: digest.len(),
            });
        }
        Ok(Checksum {
            algorithm,
            expected,
        })
    }
}

impl fmt::Display for Checksum {
    /// `sha-256=HEX`, the form it is given in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.algorithm, self.expected_hex())
    }
}

/// Why a `--checksum` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChecksumError {
    /// No `=` between algorithm and digest.
    NoEquals(String),
    /// An algorithm name this crate does not know.
    UnknownAlgorithm(String),
    /// The digest is not hex, or has the wrong length for the algorithm.
    NotHex {
        /// The algorithm named.
        algorithm: Algorithm,
        /// How many characters the digest had.
        digits: usize,
    },
}

impl fmt::Display for ChecksumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChecksumError::NoEquals(text) => {
                write!(
                    f,
                    "expected ALGORITHM=HEX (like sha-256=9f86…), got {text:?}"
                )
            }
            ChecksumError::UnknownAlgorithm(name) => write!(
                f,
                "unknown checksum algorithm {name:?}: use sha-256, sha-512, sha-1 or md5"
            ),
            ChecksumError::NotHex { algorithm, digits } => write!(
                f,
                "a {algorithm} digest is {} hex digits (0-9, a-f); got {digits} characters",
                algorithm.digest_len() * 2
            ),
        }
    }
}

impl std::error::Error for ChecksumError {}

/// A digest computed piece by piece as the body arrives.
#[derive(Debug, Clone)]
pub struct Hasher(State);

/// One variant per algorithm: an enum rather than `Box<dyn DynDigest>`,
/// since the set is closed and small.
#[derive(Debug, Clone)]
enum State {
    Sha256(Sha256),
    Sha512(Sha512),
    Sha1(Sha1),
    Md5(Md5),
}

impl Hasher {
    /// A hasher that has seen nothing yet.
    pub fn new(algorithm: Algorithm) -> Hasher {
        Hasher(match algorithm {
            Algorithm::Sha256 => State::Sha256(Sha256::new()),
            Algorithm::Sha512 => State::Sha512(Sha512::new()),
            Algorithm::Sha1 => State::Sha1(Sha1::new()),
            Algorithm::Md5 => State::Md5(Md5::new()),
        })
    }

    /// Feeds the next bytes of the body.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            State::Sha256(h) => h.update(bytes),
            State::Sha512(h) => h.update(bytes),
            State::Sha1(h) => h.update(bytes),
            State::Md5(h) => h.update(bytes),
        }
    }

    /// Feeds the first `len` bytes of `reader`: the part of a resumed
    /// download that arrived before this attempt.
    ///
    /// # Errors
    ///
    /// A read error, or `UnexpectedEof` if `reader` holds fewer than `len`
    /// bytes.
    pub fn update_from(&mut self, reader: impl Read, len: u64) -> io::Result<()> {
        let mut reader = reader.take(len);
        let mut buf = vec![0; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let n = match reader.read(&mut buf) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("ended after {} of {len} bytes", len - left),
                    ));
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.update(&buf[..n]);
            left -= n as u64;
        }
        Ok(())
    }

    /// The digest of everything fed so far.
    pub fn finish(self) -> Vec<u8> {
        match self.0 {
            State::Sha256(h) => h.finalize().to_vec(),
            State::Sha512(h) => h.finalize().to_vec(),
            State::Sha1(h) => h.finalize().to_vec(),
            State::Md5(h) => h.finalize().to_vec(),
        }
    }
}

/// The bytes on disk are not the ones the checksum describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The algorithm both digests were made with.
    pub algorithm: Algorithm,
    /// The digest that was given, lower-case hex.
    pub expected: String,
    /// The digest of what was downloaded, lower-case hex.
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} checksum mismatch: expected {}, got {}",
            self.algorithm, self.expected, self.actual
        )
    }
}

impl std::error::Error for Mismatch {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digests of `abc` from FIPS 180-2 and RFC 1321.
    const ABC: [(&str, &str); 4] = [
        (
            "sha-256",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            "sha-512",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
        ("sha-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("md5", "900150983cd24fb0d6963f7d28e17f72"),
    ];

    fn checksum(text: &str) -> Checksum {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_algorithm_matches_its_published_test_vector() {
        for (name, digest) in ABC {
            let sum = checksum(&format!("{name}={digest}"));
            let mut hasher = sum.hasher();
            hasher.update(b"abc");
            assert_eq!(sum.verify(hasher), Ok(()), "{name}");
        }
    }

    #[test]
    fn the_digest_does_not_depend_on_how_the_body_is_split() {
        let body: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut whole = Hasher::new(Algorithm::Sha256);
        whole.update(&body);
        let mut pieces = Hasher::new(Algorithm::Sha256);
        for piece in body.chunks(977) {
            pieces.update(piece);
        }
        pieces.update(&[]);
        assert_eq!(whole.finish(), pieces.finish());
    }

    #[test]
    fn a_prefix_read_back_from_disk_continues_the_digest() {
        let body: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        let mut whole = Hasher::new(Algorithm::Md5);
        whole.update(&body);
        // 150,000 bytes "on disk" (more than one buffer), the rest streamed.
        let mut resumed = Hasher::new(Algorithm::Md5);
        resumed.update_from(&body[..], 150_000).unwrap();
        resumed.update(&body[150_000..]);
        assert_eq!(whole.finish(), resumed.finish());
    }

    #[test]
    fn a_prefix_shorter_than_expected_is_an_error() {
        let err = Hasher::new(Algorithm::Sha256)
            .update_from(&[0u8; 10][..], 11)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(err.to_string(), "ended after 10 of 11 bytes");
    }

    #[test]
    fn a_mismatch_carries_both_digests() {
        let sum = checksum(&format!("sha-1={}", ABC[2].1));
        let mut hasher = sum.hasher();
        hasher.update(b"abd");
        let mismatch = sum.verify(hasher).unwrap_err();
        assert_eq!(mismatch.algorithm, Algorithm::Sha1);
        assert_eq!(mismatch.expected, ABC[2].1);
        assert_eq!(mismatch.actual, "cb4cc28df0fdbe0ecf9d9662e294b118092a5735");
        assert_eq!(
            mismatch.to_string(),
            format!(
                "sha-1 checksum mismatch: expected {}, got {}",
                ABC[2].1, mismatch.actual
            )
        );
    }

    #[test]
    fn names_are_case_insensitive_and_the_hyphen_is_optional() {
        let digest = ABC[0].1;
        for name in ["sha-256", "SHA-256", "sha256", "Sha256"] {
            assert_eq!(
                checksum(&format!("{name}={digest}")).algorithm(),
                Algorithm::Sha256
            );
        }
        assert_eq!(
            checksum(&format!("MD5={}", ABC[3].1)).algorithm(),
            Algorithm::Md5
        );
    }

    #[test]
    fn upper_case_hex_is_accepted_and_shown_lower_case() {
        let sum = checksum(&format!("sha-256={}", ABC[0].1.to_uppercase()));
        assert_eq!(sum.expected_hex(), ABC[0].1);
        assert_eq!(sum.to_string(), format!("sha-256={}", ABC[0].1));
    }

    #[test]
    fn malformed_values_are_refused_with_a_reason() {
        assert_eq!(
            "abc".parse::<Checksum>(),
            Err(ChecksumError::NoEquals("abc".into()))
        );
        assert_eq!(
            "sha-3=00".parse::<Checksum>(),
            Err(ChecksumError::UnknownAlgorithm("sha-3".into()))
        );
        let short = &ABC[0].1[..63];
        let err = format!("sha-256={short}").parse::<Checksum>().unwrap_err();
        assert_eq!(
            err,
            ChecksumError::NotHex {
                algorithm: Algorithm::Sha256,
                digits: 63
            }
        );
        assert_eq!(
            err.to_string(),
            "a sha-256 digest is 64 hex digits (0-9, a-f); got 63 characters"
        );
        // Right length, wrong alphabet; and a sha-1 digest given as sha-256.
        let not_hex = format!("sha-256=g{}", &ABC[0].1[1..]);
        assert!(not_hex.parse::<Checksum>().is_err());
        assert!(format!("sha-256={}", ABC[2].1).parse::<Checksum>().is_err());
        assert!("md5=".parse::<Checksum>().is_err());
    }

    #[test]
    fn algorithm_lengths_match_the_digests() {
        for algorithm in [
            Algorithm::Sha256,
            Algorithm::Sha512,
            Algorithm::Sha1,
            Algorithm::Md5,
        ] {
            assert_eq!(
                Hasher::new(algorithm).finish().len(),
                algorithm.digest_len()
            );
        }
    }
}
