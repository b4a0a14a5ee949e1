//! What the proxy tests run against: a tiny proxy of our own that records
//! what it saw, a real one (tinyproxy), and origin servers behind them.

pub mod origin;
pub mod test_proxy;
pub mod tinyproxy;
