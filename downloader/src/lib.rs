//! Placeholder: the downloader arrives with its issue.
