//! Instruction counts of the SigV4 cases of `sigv4.rs`, for callgrind: repeatable on a loaded
//! machine, where wall times swing by tens of percent.
//!
//! ```sh
//! cargo bench -p awscred-benches --bench sigv4_ir --no-run
//! bin=$(ls -t target/release/deps/sigv4_ir-* | grep -v '\.d$' | head -1)
//! for case in clone peer sign signer; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" $case 2000 2>&1 | grep refs
//! done
//! ```
//!
//! Each case clones the unsigned request and signs it `N` times (`clone` only clones), so
//! `(refs(case) - refs(clone)) / N` is the signing cost per call; the fixed start-up cost cancels
//! out. Run by `cargo bench` (no case given), it signs once per case and checks the results.
#![allow(missing_docs)]

mod peers;

use awscred_benches::{assume_role_request, credentials, signing_time};
use awscred_core::sigv4::{self, Signer, SigningParams};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let case = args.next();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let creds = credentials();
    let params = SigningParams::new(&creds, "us-east-1", "sts", signing_time());
    let peer = peers::Sigv4Peer::new(&creds);
    let peer_params = peer.params(signing_time());
    let unsigned = assume_role_request();
    let mut signer = Signer::new();
    let cases: Vec<&str> = match case.as_deref() {
        Some(c) => vec![c],
        None => vec!["peer", "sign", "signer"],
    };
    let mut last = None;
    for case in cases {
        for _ in 0..n {
            let mut req = std::hint::black_box(&unsigned).clone();
            match case {
                "clone" => {}
                "peer" => peer.sign_with(&mut req, &peer_params),
                "sign" => sigv4::sign(&mut req, &params).expect("signs"),
                "signer" => signer.sign(&mut req, &params).expect("signs"),
                other => {
                    eprintln!("unknown case {other}: clone, peer, sign or signer");
                    std::process::exit(2);
                }
            }
            let auth = req.headers().get("authorization").cloned();
            if let (Some(a), Some(b)) = (&last, &auth) {
                assert_eq!(a, b, "every case signs identically");
            }
            last = auth.or(last);
            std::hint::black_box(req);
        }
    }
}
