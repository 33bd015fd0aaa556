use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// 2015-08-30T12:36:00Z, the suite's time.
fn suite_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

fn get_vanilla() -> http::Request<Vec<u8>> {
    http::Request::get("/")
        .header("host", "example.amazonaws.com")
        .body(Vec::new())
        .expect("valid request")
}

#[test]
fn get_vanilla_vector() {
    let creds = Credentials::new(AKID, SECRET, None, None);
    let params = SigningParams::new(&creds, "us-east-1", "service", suite_time());
    let mut req = get_vanilla();
    let canonical =
        canonical_request(&SignableRequest::from_http(&req), &params).expect("canonical");
    assert_eq!(
        canonical,
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            .to_string()
            + EMPTY_PAYLOAD_SHA256
    );
    let sts = string_to_sign(&canonical, &params).expect("string to sign");
    assert!(
        sts.ends_with("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
        "{sts}"
    );
    let sig = signature(&sts, &params).expect("signature");
    assert_eq!(
        sig,
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );

    sign(&mut req, &params).expect("sign");
    assert_eq!(req.headers()["x-amz-date"], "20150830T123600Z");
    assert_eq!(
        req.headers()["authorization"],
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}
