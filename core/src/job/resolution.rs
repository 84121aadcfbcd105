//! Output resolution: the presets `720p`, `1080p`, `4k`, or `WxH`.

use serde::{Serialize, Serializer};
use std::fmt;

/// Output size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resolution {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Why a resolution string was refused: an issue code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolutionError {
    /// `invalid_format`, `invalid_value` or `out_of_range`.
    pub code: &'static str,
    /// Human-readable reason.
    pub message: String,
}

impl Resolution {
    /// 1280×720.
    pub const P720: Resolution = Resolution::new(1280, 720);
    /// 1920×1080 (the default).
    pub const P1080: Resolution = Resolution::new(1920, 1080);
    /// 3840×2160.
    pub const K4: Resolution = Resolution::new(3840, 2160);
    /// Smallest accepted side in pixels.
    pub const MIN_SIDE: u32 = 64;
    /// Largest accepted side in pixels.
    pub const MAX_SIDE: u32 = 7680;
    /// What `valid_options` lists for a bad resolution.
    pub const OPTIONS: [&'static str; 4] = ["720p", "1080p", "4k", "WxH"];

    /// A resolution from its sides (not checked).
    pub const fn new(width: u32, height: u32) -> Self {
        Resolution { width, height }
    }

    /// Parses `720p`, `1080p`, `4k` (any case) or `WxH` (`x`, `X` or `×`):
    /// both sides even and within `64..=7680`.
    pub fn parse(s: &str) -> Result<Resolution, ResolutionError> {
        match s.to_ascii_lowercase().as_str() {
            "720p" => return Ok(Self::P720),
            "1080p" => return Ok(Self::P1080),
            "4k" => return Ok(Self::K4),
            _ => {}
        }
        let bad_format = || ResolutionError {
            code: "invalid_format",
            message: format!(
                "`{s}` is not a resolution: use 720p, 1080p, 4k or WxH like 1920x1080"
            ),
        };
        let (w, h) = s
            .split_once(['x', 'X'])
            .or_else(|| s.split_once('×'))
            .ok_or_else(bad_format)?;
        let side = |t: &str| -> Result<u64, ResolutionError> {
            if t.is_empty() || t.len() > 9 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_format());
            }
            t.parse().map_err(|_| bad_format())
        };
        let (w, h) = (side(w)?, side(h)?);
        let (lo, hi) = (Self::MIN_SIDE as u64, Self::MAX_SIDE as u64);
        if !(lo..=hi).contains(&w) || !(lo..=hi).contains(&h) {
            return Err(ResolutionError {
                code: "out_of_range",
                message: format!("each side must be between {lo} and {hi} pixels, got {w}x{h}"),
            });
        }
        if w % 2 != 0 || h % 2 != 0 {
            return Err(ResolutionError {
                code: "invalid_value",
                message: format!(
                    "both sides must be even numbers (video encoders need it), got {w}x{h}"
                ),
            });
        }
        Ok(Resolution::new(w as u32, h as u32))
    }

    /// Number of pixels in one frame.
    pub fn pixels(self) -> u64 {
        self.width as u64 * self.height as u64
    }
}

impl Default for Resolution {
    fn default() -> Self {
        Self::P1080
    }
}

impl fmt::Display for Resolution {
    /// `1920x1080`, the form job reports use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl Serialize for Resolution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_custom() {
        assert_eq!(Resolution::parse("720p"), Ok(Resolution::P720));
        assert_eq!(Resolution::parse("4K"), Ok(Resolution::K4));
        assert_eq!(
            Resolution::parse("1080x1920"),
            Ok(Resolution::new(1080, 1920))
        );
        assert_eq!(Resolution::parse("64X64"), Ok(Resolution::new(64, 64)));
        assert_eq!(
            Resolution::parse("7680×4320"),
            Ok(Resolution::new(7680, 4320))
        );
        assert_eq!(Resolution::P1080.to_string(), "1920x1080");
    }

    #[test]
    fn refusals() {
        assert_eq!(
            Resolution::parse("1081x720").unwrap_err().code,
            "invalid_value"
        );
        assert_eq!(Resolution::parse("10x10").unwrap_err().code, "out_of_range");
        assert_eq!(
            Resolution::parse("7682x720").unwrap_err().code,
            "out_of_range"
        );
        for bad in [
            "abc",
            "",
            "x",
            "100x",
            "-100x100",
            "1e3x100",
            "99999999999x2",
            "1920x1080x2",
        ] {
            assert_eq!(
                Resolution::parse(bad).unwrap_err().code,
                "invalid_format",
                "{bad}"
            );
        }
    }
}
