#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| awscred_core::fuzzing::credentials_request::run(data));
