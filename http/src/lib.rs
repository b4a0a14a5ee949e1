//! Placeholder: the HTTP layer arrives with its issue.
