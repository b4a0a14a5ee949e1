//! Exercise solution ("The protocol core", exercise 2): reading
//! `Content-Length` the strict way, as a decision table.
//!
//! A message may carry the field more than once, or as a comma-separated
//! list. RFC 9110 §8.6 allows that only when every value is the same
//! number; anything else means two parties on the path may disagree on
//! where the body ends, which is how request smuggling starts. So the
//! answer is either one length or an error, never a guess.

// ANCHOR: content_length
/// The body length the `Content-Length` field lines in `values` announce,
/// `None` if there are none, or an error saying what is wrong.
pub fn content_length(values: &[&str]) -> Result<Option<u64>, String> {
    let mut length = None;
    for value in values.iter().flat_map(|line| line.split(',')) {
        let value = value.trim_matches([' ', '\t']);
        // `u64::from_str` would accept a leading `+`; the grammar is digits.
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("Content-Length \"{value}\" is not a number"));
        }
        let n: u64 = value
            .parse()
            .map_err(|_| format!("Content-Length {value} does not fit in 64 bits"))?;
        match length {
            Some(previous) if previous != n => {
                return Err(format!("Content-Length says both {previous} and {n}"));
            }
            _ => length = Some(n),
        }
    }
    Ok(length)
}
// ANCHOR_END: content_length

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_table() {
        let ok: [(&[&str], Option<u64>); 6] = [
            (&[], None),
            (&["5"], Some(5)),
            (&["0"], Some(0)),
            (&["5", "5"], Some(5)),
            (&["5, 5"], Some(5)),
            (&[" 007 "], Some(7)),
        ];
        for (values, expected) in ok {
            assert_eq!(content_length(values), Ok(expected), "{values:?}");
        }
        let refused: [&[&str]; 7] = [
            &["5", "6"],
            &["5, 6"],
            &["+5"],
            &["-1"],
            &[""],
            &["5,"],
            &["99999999999999999999"],
        ];
        for values in refused {
            assert!(content_length(values).is_err(), "{values:?} was accepted");
        }
    }
}
