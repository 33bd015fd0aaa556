//! The SEC1 `ECPrivateKey` DER (RFC 5915) of a P-256 key, as the AWS CLI stores it in a login
//! cache file's `dpopKey` (awscrt's `export_key(ECExportFormat.SEC1)`, read back with
//! `EC.new_key_from_der_data`): only the layout needed for one named-curve key.

use crate::Error;

/// `ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters, [1] publicKey }`
/// with `parameters` the OID of prime256v1 (1.2.840.10045.3.1.7).
const CURVE_OID: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The DER of a key with scalar `secret` and uncompressed public point `public` (65 bytes,
/// `04 || x || y`): 121 bytes, the layout awscrt and OpenSSL write.
pub(crate) fn encode(secret: &[u8; 32], public: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(121);
    out.extend_from_slice(&[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]);
    out.extend_from_slice(secret);
    out.extend_from_slice(&[0xa0, 0x0a]);
    out.extend_from_slice(&CURVE_OID);
    out.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
    out.extend_from_slice(public);
    out
}

/// The private scalar of a SEC1 DER key (big-endian, left-padded to 32 bytes). The optional
/// parameters, when present, must name P-256; the public key is not needed (it is derived).
pub(crate) fn decode(der: &[u8]) -> Result<[u8; 32], Error> {
    let bad = |what: &str| {
        Error::InvalidInput(format!(
            "the DPoP key is not a SEC1 P-256 private key: {what}"
        ))
    };
    let mut r = Reader { bytes: der };
    let mut seq = Reader {
        bytes: r.element(0x30).ok_or_else(|| bad("no SEQUENCE"))?,
    };
    if seq.element(0x02) != Some(&[0x01]) {
        return Err(bad("version is not 1"));
    }
    let scalar = seq
        .element(0x04)
        .ok_or_else(|| bad("no private key OCTET STRING"))?;
    if scalar.is_empty() || scalar.len() > 32 {
        return Err(bad("the private key is not 1 to 32 bytes"));
    }
    if let Some(params) = seq.optional(0xa0)
        && params != CURVE_OID
    {
        return Err(bad("the curve is not P-256 (prime256v1)"));
    }
    let mut out = [0u8; 32];
    out[32 - scalar.len()..].copy_from_slice(scalar);
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// The contents of the next element if its tag is `tag`.
    fn element(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&t, rest) = self.bytes.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = match first {
            n if n < 0x80 => (usize::from(n), rest),
            0x81 => {
                let (&n, rest) = rest.split_first()?;
                (usize::from(n), rest)
            }
            0x82 => {
                let (n, rest) = rest.split_at_checked(2)?;
                ((usize::from(n[0]) << 8) | usize::from(n[1]), rest)
            }
            _ => return None,
        };
        let (contents, rest) = rest.split_at_checked(len)?;
        self.bytes = rest;
        Some(contents)
    }

    /// The next element's contents when it has `tag`; otherwise nothing is consumed.
    fn optional(&mut self, tag: u8) -> Option<&'a [u8]> {
        if self.bytes.first() == Some(&tag) {
            self.element(tag)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let secret = [7u8; 32];
        let public = [4u8; 65];
        let der = encode(&secret, &public);
        assert_eq!(der.len(), 121);
        assert_eq!(decode(&der).unwrap(), secret);
        assert!(decode(&der[..20]).is_err());
        assert!(decode(b"").is_err());
        let mut other_curve = der.clone();
        other_curve[48] ^= 1; // inside the OID
        assert!(decode(&other_curve).is_err());
        let mut v2 = der;
        v2[4] = 2;
        assert!(decode(&v2).is_err());
    }
}
