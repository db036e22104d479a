//! Dates from front matter: `YYYY-MM-DD` or RFC 3339, checked against the calendar.
//!
//! Small and dependency-free on purpose: piazza only needs to validate, order, print
//! ISO forms for metadata and spell a date out in the site language.

use std::fmt;

/// A calendar date with an optional time of day and UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    /// Year (1..=9999).
    pub year: u16,
    /// Month (1..=12).
    pub month: u8,
    /// Day of the month.
    pub day: u8,
    /// Time and offset when the front matter gave them.
    pub time: Option<Time>,
}

/// A time of day with its offset from UTC in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    /// Hour (0..=23).
    pub hour: u8,
    /// Minute (0..=59).
    pub minute: u8,
    /// Second (0..=60, leap second allowed).
    pub second: u8,
    /// Offset from UTC in minutes.
    pub offset_minutes: i16,
}

impl Date {
    /// Parses `2026-03-01`, `2026-03-01T09:30:00+01:00` or `2026-03-01T09:30:00Z`.
    pub fn parse(s: &str) -> Result<Date, String> {
        let s = s.trim();
        let bad = || {
            format!("`{s}` is not a date; write it as YYYY-MM-DD (2026-03-01) or RFC 3339 (2026-03-01T09:30:00+01:00)")
        };
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
            let part = s.get(r).ok_or_else(bad)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if year == 0 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(format!("`{s}`: {year}-{month:02} has no day {day}"));
        }
        let time = if b.len() == 10 {
            None
        } else {
            if !matches!(b[10], b'T' | b't' | b' ')
                || b.len() < 19
                || b[13] != b':'
                || b[16] != b':'
            {
                return Err(bad());
            }
            let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
            if hour > 23 || minute > 59 || second > 60 {
                return Err(bad());
            }
            let mut rest = &s[19..];
            if let Some(frac) = rest.strip_prefix('.') {
                let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return Err(bad());
                }
                rest = &frac[digits..];
            }
            let offset_minutes = match rest {
                "Z" | "z" => 0,
                _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
                    let sign = match rest.as_bytes()[0] {
                        b'+' => 1,
                        b'-' => -1,
                        _ => return Err(bad()),
                    };
                    let h: i16 = rest[1..3].parse().map_err(|_| bad())?;
                    let m: i16 = rest[4..6].parse().map_err(|_| bad())?;
                    if h > 23 || m > 59 {
                        return Err(bad());
                    }
                    sign * (h * 60 + m)
                }
                _ => return Err(bad()),
            };
            Some(Time {
                hour: hour as u8,
                minute: minute as u8,
                second: second as u8,
                offset_minutes,
            })
        };
        Ok(Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            time,
        })
    }

    /// `2026-03-01`.
    pub fn iso_date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// RFC 3339 / ISO 8601 with time; midnight UTC when only a date was given.
    pub fn rfc3339(&self) -> String {
        let t = self.time.unwrap_or(Time {
            hour: 0,
            minute: 0,
            second: 0,
            offset_minutes: 0,
        });
        let offset = if t.offset_minutes == 0 {
            "Z".to_string()
        } else {
            let sign = if t.offset_minutes < 0 { '-' } else { '+' };
            let m = t.offset_minutes.unsigned_abs();
            format!("{sign}{:02}:{:02}", m / 60, m % 60)
        };
        format!(
            "{}T{:02}:{:02}:{:02}{offset}",
            self.iso_date(),
            t.hour,
            t.minute,
            t.second
        )
    }

    /// RFC 822 as RSS wants it: `Sun, 01 Mar 2026 00:00:00 +0000`.
    pub fn rfc822(&self) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let t = self.time.unwrap_or(Time {
            hour: 0,
            minute: 0,
            second: 0,
            offset_minutes: 0,
        });
        let weekday = (days_from_civil(self.year as i64, self.month as u32, self.day as u32) + 3)
            .rem_euclid(7) as usize;
        let sign = if t.offset_minutes < 0 { '-' } else { '+' };
        let m = t.offset_minutes.unsigned_abs();
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
            DAYS[weekday],
            self.day,
            MONTHS[self.month as usize - 1],
            self.year,
            t.hour,
            t.minute,
            t.second,
            m / 60,
            m % 60
        )
    }

    /// A key that orders dates by the instant they name.
    pub fn sort_key(&self) -> i64 {
        let days = days_from_civil(self.year as i64, self.month as u32, self.day as u32);
        let secs = match self.time {
            Some(t) => {
                t.hour as i64 * 3600 + t.minute as i64 * 60 + t.second as i64
                    - t.offset_minutes as i64 * 60
            }
            None => 0,
        };
        days * 86_400 + secs
    }

    /// The UTC instant `secs` seconds after 1970-01-01 (a comment's arrival).
    pub fn from_unix(secs: i64) -> Date {
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let s = secs.rem_euclid(86_400);
        Date {
            year: year.clamp(1, 9999) as u16,
            month: month as u8,
            day: day as u8,
            time: Some(Time {
                hour: (s / 3600) as u8,
                minute: (s / 60 % 60) as u8,
                second: (s % 60) as u8,
                offset_minutes: 0,
            }),
        }
    }

    /// Today's date in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = clock_seconds();
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            time: None,
        }
    }
}

/// The environment variable that sets the build's "now" (tests, reproducible builds).
pub const NOW_VAR: &str = "PIAZZA_NOW";

/// The build's "now" as a [`Date::sort_key`]: `PIAZZA_NOW` when it is set and not
/// empty (a date alone means its midnight UTC), else the system clock.
pub fn now_key() -> Result<i64, String> {
    match std::env::var(NOW_VAR) {
        Ok(v) if v.trim().is_empty() => Ok(clock_seconds()),
        Ok(v) => Date::parse(&v)
            .map(|d| d.sort_key())
            .map_err(|m| format!("{NOW_VAR}: {m}")),
        Err(std::env::VarError::NotPresent) => Ok(clock_seconds()),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!(
            "{NOW_VAR} is not text; set it to a date such as 2026-03-01"
        )),
    }
}

/// Seconds since 1970-01-01 UTC by the system clock (0 if the clock is before it).
fn clock_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.time {
            None => f.write_str(&self.iso_date()),
            Some(_) => f.write_str(&self.rfc3339()),
        }
    }
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.iso_date(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_err());
        assert!(Date::parse("2023-13-01").is_err());
        assert!(Date::parse("01/03/2023").is_err());
        assert!(Date::parse("2023-1-1").is_err());
        let t = Date::parse("2026-03-01T09:30:00+01:00").unwrap();
        assert_eq!(t.rfc3339(), "2026-03-01T09:30:00+01:00");
        assert!(t.sort_key() < Date::parse("2026-03-01T09:00:00Z").unwrap().sort_key());
    }

    #[test]
    fn rfc822_weekday() {
        assert_eq!(
            Date::parse("2013-05-14").unwrap().rfc822(),
            "Tue, 14 May 2013 00:00:00 +0000"
        );
    }

    #[test]
    fn a_date_alone_is_its_midnight_utc() {
        let day = Date::parse("2026-06-15").unwrap().sort_key();
        assert_eq!(Date::parse("2026-06-15T00:00:00Z").unwrap().sort_key(), day);
        assert!(Date::parse("2026-06-15T01:00:00+02:00").unwrap().sort_key() < day);
    }

    #[test]
    fn civil_roundtrip() {
        for days in [-1000, 0, 19_000, 20_500] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
