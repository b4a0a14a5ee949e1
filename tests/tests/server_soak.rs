//! The server soak, short: ten seconds of keep-alive clients against a
//! server of 16 connections while 18 idle, slowloris and slow-body
//! attackers (and two churning ones) try to hold every slot, and the
//! normal clients open a new connection every 50 requests, so they must
//! win slots back. The server's timeouts must keep freeing slots, so the
//! normal clients are never starved, and memory must stay bounded. With
//! the timeouts raised to 60 s this fails: 9 s without a request served.
//! The full run is `examples/server_soak.rs`.

use spool_tests::server_soak::{self, ServerSoakConfig};

#[test]
fn normal_clients_are_served_while_attackers_hold_slots_and_memory_stays_bounded() {
    let figures = server_soak::run(&ServerSoakConfig::short());
    println!("{figures}");
    assert!(
        figures.problems().is_empty(),
        "the soak broke its bounds:\n{figures}"
    );
    // The attackers did fill the slots: more held connections were opened
    // than the server has room for, and the server cut them itself.
    assert!(figures.attacks_opened > 16, "{figures}");
    assert!(
        figures.attacks_408 > 0,
        "no slow client got a 408:\n{figures}"
    );
}
