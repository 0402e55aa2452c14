//! Every JSON request body the server reads, through the server's own body
//! parser (`modelreg_server::body::parse_json`, and `parse_maybe_wrapped` for
//! the PATCH bodies that may come wrapped as `{"model": {...}}`).
//!
//! Checks: no panic, no stack overflow (deep nesting), and a body that parses
//! serializes to JSON that parses back to the same value (what the server
//! stores and answers is what it read).

#![no_main]

use libfuzzer_sys::fuzz_target;
use modelreg_server::body::{parse_json, parse_maybe_wrapped};
use modelreg_types::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(data: &[u8]) {
    if let Ok(value) = parse_json::<T>(data) {
        check_round_trip(&value);
    }
}

fn check_round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(value: &T) {
    let text = serde_json::to_vec(value).expect("a parsed body serializes");
    let again: T = parse_json(&text).unwrap_or_else(|e| {
        panic!(
            "{} does not parse back: {e}\nfrom {value:?}",
            String::from_utf8_lossy(&text)
        )
    });
    // Compared as JSON text: serde_json's float parsing need not give back the
    // very same f64 for every input, but its text must be stable.
    let text2 = serde_json::to_vec(&again).expect("serializes again");
    assert_eq!(
        String::from_utf8_lossy(&text),
        String::from_utf8_lossy(&text2),
        "not stable through a round trip"
    );
}

fuzz_target!(|data: &[u8]| {
    round_trip::<CreateModelRequest>(data);
    round_trip::<PatchModelRequest>(data);
    round_trip::<MoveModelRequest>(data);
    round_trip::<RegisterVersionRequest>(data);
    round_trip::<PatchVersionRequest>(data);
    round_trip::<MetadataChange>(data);
    round_trip::<CreateCheckpointRequest>(data);
    round_trip::<CompleteCheckpointRequest>(data);
    round_trip::<LoginRequest>(data);
    round_trip::<CreateUserRequest>(data);
    round_trip::<PatchUserRequest>(data);
    round_trip::<SetPasswordRequest>(data);
    round_trip::<CreateTokenRequest>(data);

    if let Ok(value) = parse_json::<serde_json::Value>(data) {
        if let Ok(patch) = parse_maybe_wrapped::<PatchModelRequest>(value.clone(), "model") {
            check_round_trip(&patch);
        }
        if let Ok(patch) = parse_maybe_wrapped::<PatchVersionRequest>(value, "modelVersion") {
            check_round_trip(&patch);
        }
    }
});
