//! Typed readings of condition values: numbers, dates, booleans, IP ranges, base64.
//!
//! Every reader returns `None` for text it cannot read; the condition operators treat that as
//! "no match" (IAM compares a key to a value of the operator's type, nothing else).

use std::net::IpAddr;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// `true`/`false`, in any case.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An integer or decimal (optionally with an exponent), finite.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    if !bytes.iter().any(u8::is_ascii_digit)
        || !bytes
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A point in time, as nanoseconds since the Unix epoch.
///
/// Accepts what IAM's date operators accept: epoch seconds (text without `T` or `-`, such as
/// `1563278400`) or the W3C profile of ISO 8601 (`2019-07`, `2019-07-16`, `2019-07-16T12`,
/// `2019-07-16T12:00`, `2019-07-16T12:00:00`, with `.fraction` up to nine digits and a zone
/// `Z`, `+hh`, `+hh:mm` or `+hhmm` (or `-`)). Without a zone the time is UTC. IAM is lenient
/// about single-digit fields (`2016-12-13t2:00:00`) and so is this reader.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains('t') && !lower.contains('-') {
        if lower.is_empty() || !lower.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let seconds: i64 = lower.parse().ok()?;
        return Some(i128::from(seconds) * NANOS_PER_SECOND);
    }

    let (date, time) = lower.split_once('t').unwrap_or((lower.as_str(), ""));
    let (negative_year, date) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date),
    };
    let mut fields = date.split('-');
    let year = digits(fields.next()?, 1, 9)?;
    let year = if negative_year { -year } else { year };
    let month = fields.next().map_or(Some(1), |m| digits(m, 1, 2))?;
    let day = fields.next().map_or(Some(1), |d| digits(d, 1, 2))?;
    if fields.next().is_some()
        || !(-292_275_054..=292_278_993).contains(&year)
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
    {
        return None;
    }

    let (clock, offset_seconds) = split_zone(time)?;
    let (hour, minute, second, nanos) = parse_clock(clock)?;
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second
        - offset_seconds;
    Some(i128::from(seconds) * NANOS_PER_SECOND + i128::from(nanos))
}

/// `hh[:mm[:ss[.fraction]]]`, or nothing (midnight).
fn parse_clock(clock: &str) -> Option<(i64, i64, i64, i64)> {
    if clock.is_empty() {
        return Some((0, 0, 0, 0));
    }
    let mut parts = clock.split(':');
    let hour = digits(parts.next()?, 1, 2)?;
    let minute = parts.next().map_or(Some(0), |m| digits(m, 1, 2))?;
    let (second, nanos) = match parts.next() {
        None => (0, 0),
        Some(s) => {
            let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
            let second = digits(whole, 1, 2)?;
            let nanos = if s.contains('.') {
                let value = digits(fraction, 1, 9)?;
                let scale = 10_i64.pow(9 - u32::try_from(fraction.len()).ok()?);
                value * scale
            } else {
                0
            };
            (second, nanos)
        }
    };
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some((hour, minute, second, nanos))
}

/// Splits a time into clock and zone offset (seconds east of UTC).
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix('z') {
        return Some((clock, 0));
    }
    let Some(at) = time.find(['+', '-']) else {
        return Some((time, 0));
    };
    let (clock, zone) = time.split_at(at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let zone = zone.get(1..)?;
    let (hours, minutes) = match zone.split_once(':') {
        Some((h, m)) => (h, Some(m)),
        None if zone.len() == 4 => (zone.get(..2)?, Some(zone.get(2..)?)),
        None => (zone, None),
    };
    let hours = digits(hours, 2, 2)?;
    let minutes = minutes.map_or(Some(0), |m| digits(m, 2, 2))?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((clock, sign * (hours * 3_600 + minutes * 60)))
}

/// Only ASCII digits, between `min` and `max` of them.
fn digits(text: &str, min: usize, max: usize) -> Option<i64> {
    if !(min..=max).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (negative before it).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Count years from March so the leap day ends the year.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Whether `address` lies in `range` (`203.0.113.0/24`, `2001:db8::/32`, or a bare address,
/// which is a /32 or /128). Addresses of different families never match.
pub(crate) fn ip_in_range(range: &str, address: &str) -> bool {
    let Ok(address) = address.parse::<IpAddr>() else {
        return false;
    };
    let (network, prefix) = match range.split_once('/') {
        Some((network, prefix)) => (network, Some(prefix)),
        None => (range, None),
    };
    let Ok(network) = network.parse::<IpAddr>() else {
        return false;
    };
    match (network, address) {
        (IpAddr::V4(network), IpAddr::V4(address)) => {
            let Some(bits) = prefix_length(prefix, 32) else {
                return false;
            };
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(network) & mask == u32::from(address) & mask
        }
        (IpAddr::V6(network), IpAddr::V6(address)) => {
            let Some(bits) = prefix_length(prefix, 128) else {
                return false;
            };
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(network) & mask == u128::from(address) & mask
        }
        _ => false,
    }
}

fn prefix_length(prefix: Option<&str>, max: u32) -> Option<u32> {
    match prefix {
        None => Some(max),
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u32>().ok().filter(|bits| *bits <= max)
        }
        Some(_) => None,
    }
}

/// Standard or URL-safe base64, padding optional.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
            buffer &= (1 << bits) - 1;
        }
    }
    // One character left over (six bits) cannot end a valid encoding.
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i128 = NANOS_PER_SECOND;

    #[test]
    fn dates() {
        let cases: &[(&str, Option<i128>)] = &[
            ("0", Some(0)),
            ("1563278400", Some(1_563_278_400 * S)),
            ("2019-07-16T12:00:00Z", Some(1_563_278_400 * S)),
            ("2019-07-16t12:00:00z", Some(1_563_278_400 * S)),
            ("2019-07-16T12:00:00", Some(1_563_278_400 * S)),
            ("2019-07-16T14:00:00+02:00", Some(1_563_278_400 * S)),
            ("2019-07-16T14:00:00+0200", Some(1_563_278_400 * S)),
            ("2019-07-16T14:00:00+02", Some(1_563_278_400 * S)),
            ("2019-07-16T10:30:00-01:30", Some(1_563_278_400 * S)),
            ("2019-07-16T12:00Z", Some(1_563_278_400 * S)),
            ("2019-07-16T12", Some(1_563_278_400 * S)),
            ("2019-07-16", Some(1_563_235_200 * S)),
            ("2019-07", Some(1_561_939_200 * S)),
            // A bare number is epoch seconds, even if it looks like a year.
            ("2019", Some(2_019 * S)),
            ("2019T", Some(1_546_300_800 * S)),
            ("1970-01-01T00:00:00.5Z", Some(S / 2)),
            ("1970-01-01T00:00:00.000000001Z", Some(1)),
            ("2000-02-29T00:00:00Z", Some(951_782_400 * S)),
            ("1969-12-31T23:59:59Z", Some(-S)),
            (
                "2016-12-13t2:00:00.593194+23",
                Some((1_481_594_400 - 23 * 3_600) * S + 593_194_000),
            ),
            ("01T", Some(-62_135_596_800 * S)),
            (
                "-292275054",
                Some(days_from_civil(-292_275_054, 1, 1) as i128 * 86_400 * S),
            ),
            // Refused, as IAM refuses them.
            ("sdfdsf", None),
            ("234-13", None),
            ("2016-12-13t2:00:00.593194+1", None),
            ("2016-12-13t2:00:00.1999999999+10:59", None),
            ("9223372036854775808", None),
            ("2019-07-16T24:00:00Z", None),
            ("2019-07-16T12:60:00Z", None),
            ("2019-07-32", None),
            ("2019-07-16-01", None),
            ("2019-07-16T12:00:00:00Z", None),
            ("", None),
            ("12.5", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date(text), *expected, "{text}");
        }
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1600, 1, 1), -135_140);
    }

    #[test]
    fn numbers() {
        let cases: &[(&str, Option<f64>)] = &[
            ("10", Some(10.0)),
            ("-3", Some(-3.0)),
            ("+3", Some(3.0)),
            ("2.50", Some(2.5)),
            ("1e3", Some(1000.0)),
            ("", None),
            ("ten", None),
            ("inf", None),
            ("NaN", None),
            ("1e999", None),
            (" 1", None),
            ("1-2", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_number(text), *expected, "{text}");
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("true"), Some(true));
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("1"), None);
        assert_eq!(parse_bool(""), None);
    }

    #[test]
    fn ip_ranges() {
        let cases = [
            ("203.0.113.0/24", "203.0.113.7", true),
            ("203.0.113.0/24", "203.0.114.7", false),
            ("203.0.113.9/24", "203.0.113.200", true),
            ("203.0.113.7", "203.0.113.7", true),
            ("203.0.113.7", "203.0.113.8", false),
            ("203.0.113.7/32", "203.0.113.7", true),
            ("0.0.0.0/0", "198.51.100.1", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            (
                "2001:DB8:1234:5678::/64",
                "2001:db8:1234:5678:abcd::1",
                true,
            ),
            ("2001:db8:1234:5678::/64", "2001:db8:1234:5679::1", false),
            ("::/0", "2001:db8::1", true),
            ("2001:db8::1", "2001:db8::1", true),
            ("203.0.113.0/24", "2001:db8::1", false),
            ("2001:db8::/32", "203.0.113.1", false),
            ("203.0.113.0/33", "203.0.113.1", false),
            ("203.0.113.0/", "203.0.113.1", false),
            ("203.0.113.0/x", "203.0.113.1", false),
            ("not-an-ip", "203.0.113.1", false),
            ("203.0.113.0/24", "not-an-ip", false),
            ("203.0.113.0/24", "203.0.113.1/32", false),
        ];
        for (range, address, expected) in cases {
            assert_eq!(ip_in_range(range, address), expected, "{range} {address}");
        }
    }

    #[test]
    fn base64() {
        assert_eq!(
            base64_decode("QmluYXJ5VmFsdWVJbkJhc2U2NA==").as_deref(),
            Some(&b"BinaryValueInBase64"[..])
        );
        assert_eq!(
            base64_decode("QmluYXJ5VmFsdWVJbkJhc2U2NA").as_deref(),
            Some(&b"BinaryValueInBase64"[..])
        );
        assert_eq!(base64_decode("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(base64_decode("+/8=").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(base64_decode("").as_deref(), Some(&[][..]));
        assert_eq!(base64_decode("QUJD"), Some(b"ABC".to_vec()));
        assert_eq!(base64_decode("QUJDR"), None);
        assert_eq!(base64_decode("QU*D"), None);
    }
}
