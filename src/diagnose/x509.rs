//! Just enough X.509 to tell an operator which certificate a server showed:
//! subject and issuer common names, the DNS names and IPs it is valid for,
//! and when it expires. Bounds-checked DER reading; anything unexpected
//! gives `None`, never a panic.

/// What a certificate says about itself, for a diagnosis line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CertSummary {
    pub(crate) subject: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) names: Vec<String>,
    /// `notAfter` as `YYYY-MM-DD`.
    pub(crate) not_after: Option<String>,
}

/// One DER element: its tag and contents.
struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
}

/// Reads the element at the start of `input`; returns it and the rest.
fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((
        Tlv {
            tag,
            value: &rest[..len],
        },
        &rest[len..],
    ))
}

/// The elements of a constructed value, in order.
fn children(mut input: &[u8]) -> Vec<Tlv<'_>> {
    let mut out = Vec::new();
    while let Some((tlv, rest)) = read(input) {
        out.push(tlv);
        input = rest;
    }
    out
}

const SEQUENCE: u8 = 0x30;
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// Summarises a DER certificate; `None` when it cannot be read.
pub(crate) fn summarize(der: &[u8]) -> Option<CertSummary> {
    let (cert, _) = read(der).filter(|(t, _)| t.tag == SEQUENCE)?;
    let (tbs, _) = read(cert.value)?;
    let mut fields = children(tbs.value).into_iter();
    let mut next = fields.next()?;
    if next.tag == 0xa0 {
        next = fields.next()?; // version
    }
    let _serial = next;
    let _signature = fields.next()?;
    let issuer = fields.next()?;
    let validity = fields.next()?;
    let subject = fields.next()?;
    let _spki = fields.next()?;
    let mut summary = CertSummary {
        subject: common_name(subject.value),
        issuer: common_name(issuer.value),
        not_after: children(validity.value).get(1).and_then(date),
        ..CertSummary::default()
    };
    for field in fields.filter(|f| f.tag == 0xa3) {
        let Some((extensions, _)) = read(field.value) else {
            continue;
        };
        for ext in children(extensions.value) {
            let parts = children(ext.value);
            if parts
                .first()
                .is_some_and(|oid| oid.value == OID_SUBJECT_ALT_NAME)
            {
                if let Some(octets) = parts.last() {
                    summary.names = alt_names(octets.value);
                }
            }
        }
    }
    Some(summary)
}

/// The first common name in an X.501 Name.
fn common_name(name: &[u8]) -> Option<String> {
    children(name).iter().find_map(|set| {
        children(set.value).iter().find_map(|attr| {
            let parts = children(attr.value);
            match parts.as_slice() {
                [oid, value] if oid.value == OID_COMMON_NAME => {
                    Some(String::from_utf8_lossy(value.value).into_owned())
                }
                _ => None,
            }
        })
    })
}

/// DNS names and IP addresses of a subjectAltName extension value.
fn alt_names(octets: &[u8]) -> Vec<String> {
    let Some((seq, _)) = read(octets) else {
        return Vec::new();
    };
    children(seq.value)
        .iter()
        .filter_map(|n| match (n.tag, n.value.len()) {
            (0x82, _) => Some(String::from_utf8_lossy(n.value).into_owned()),
            (0x87, 4) => Some(format!(
                "{}.{}.{}.{}",
                n.value[0], n.value[1], n.value[2], n.value[3]
            )),
            (0x87, 16) => {
                let mut b = [0u8; 16];
                b.copy_from_slice(n.value);
                Some(std::net::Ipv6Addr::from(b).to_string())
            }
            _ => None,
        })
        .take(16)
        .collect()
}

/// A UTCTime (`YYMMDDhhmmssZ`) or GeneralizedTime (`YYYYMMDDhhmmssZ`) as `YYYY-MM-DD`.
fn date(t: &Tlv<'_>) -> Option<String> {
    let s = std::str::from_utf8(t.value).ok()?;
    if !s.bytes().take(8).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match t.tag {
        0x17 => {
            let yy: u32 = s.get(0..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(0..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    Some(format!("{year:04}-{}-{}", rest.get(0..2)?, rest.get(2..4)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_none_not_a_panic() {
        assert_eq!(summarize(b""), None);
        assert_eq!(summarize(&[0x30]), None);
        assert_eq!(summarize(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(summarize(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
        for n in 0..64u8 {
            let noise: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37) ^ n).collect();
            let _ = summarize(&noise);
        }
    }

    #[test]
    fn dates() {
        let utc = Tlv {
            tag: 0x17,
            value: b"491231235959Z",
        };
        assert_eq!(date(&utc).as_deref(), Some("2049-12-31"));
        let utc = Tlv {
            tag: 0x17,
            value: b"500101000000Z",
        };
        assert_eq!(date(&utc).as_deref(), Some("1950-01-01"));
        let general = Tlv {
            tag: 0x18,
            value: b"20520315000000Z",
        };
        assert_eq!(date(&general).as_deref(), Some("2052-03-15"));
    }

    /// The element `read` finds at the start of `der`, as (tag, value, rest).
    fn element(der: &[u8]) -> Option<(u8, Vec<u8>, Vec<u8>)> {
        read(der).map(|(t, rest)| (t.tag, t.value.to_vec(), rest.to_vec()))
    }

    #[test]
    fn der_lengths_short_long_and_out_of_bounds() {
        // Short form: the value fits exactly, or with bytes left over.
        assert_eq!(element(&[4, 2, 7, 8]), Some((4, vec![7, 8], vec![])));
        assert_eq!(element(&[4, 1, 7, 8]), Some((4, vec![7], vec![8])));
        assert_eq!(element(&[4, 3, 7, 8]), None);
        // 0x7f is the longest short form.
        let mut max_short = vec![4, 0x7f];
        max_short.extend([9; 0x7f]);
        assert_eq!(element(&max_short).map(|e| e.1.len()), Some(0x7f));
        // 0x80 is the indefinite form, which DER forbids: not 128 bytes.
        let mut indefinite = vec![4, 0x80];
        indefinite.extend([9; 0x80]);
        assert_eq!(element(&indefinite), None);
        // Long forms: one and two length bytes, big-endian.
        assert_eq!(element(&[4, 0x81, 2, 7, 8]), Some((4, vec![7, 8], vec![])));
        assert_eq!(element(&[4, 0x81, 0]), Some((4, vec![], vec![])));
        let mut long = vec![4, 0x82, 0x01, 0x02];
        long.extend((0..258).map(|i| i as u8));
        let (_, value, rest) = element(&long).unwrap();
        assert_eq!((value.len(), value[257], rest.len()), (258, 1, 0));
        // Length bytes missing, more than four of them, or a value cut short.
        assert_eq!(element(&[4, 0x82, 0x01]), None);
        assert_eq!(element(&[4, 0x85, 0, 0, 0, 0, 1, 7]), None);
        assert_eq!(element(&[4, 0x84, 0, 0, 0, 2, 7]), None);
        assert_eq!(
            element(&[4, 0x84, 0, 0, 0, 1, 7]),
            Some((4, vec![7], vec![]))
        );
        assert_eq!(element(&[4]), None);
    }

    #[test]
    fn a_generated_certificate_is_summarised() {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType,
        };
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::OrganizationName, "hwsms");
        ca.distinguished_name
            .push(DnType::CommonName, "hwsms test CA");
        let issuer = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();

        let names = ["sms.example", "127.0.0.1", "::1", "*.sms.example"];
        let mut leaf = CertificateParams::new(names.map(String::from).to_vec()).unwrap();
        // Not a DNS name or IP: left out of the summary.
        leaf.subject_alt_names.insert(
            1,
            SanType::Rfc822Name("ops@example.com".try_into().unwrap()),
        );
        leaf.distinguished_name = rcgen::DistinguishedName::new();
        leaf.distinguished_name.push(DnType::CountryName, "CN");
        leaf.distinguished_name
            .push(DnType::CommonName, "sms stand-in");
        leaf.not_after = rcgen::date_time_ymd(2031, 7, 9);
        let cert = leaf
            .signed_by(&KeyPair::generate().unwrap(), &issuer)
            .unwrap();

        let summary = summarize(cert.der()).unwrap();
        assert_eq!(
            summary,
            CertSummary {
                subject: Some("sms stand-in".into()),
                issuer: Some("hwsms test CA".into()),
                names: names.map(String::from).to_vec(),
                not_after: Some("2031-07-09".into()),
            }
        );
        // Anything but a SEQUENCE at the top is not a certificate.
        let mut not_seq = cert.der().to_vec();
        not_seq[0] = 0x31;
        assert_eq!(summarize(&not_seq), None);
    }
}
