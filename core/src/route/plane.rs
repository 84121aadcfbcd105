//! Flight routes: great-circle arcs between waypoints.

use super::Leg;
use crate::geo::{densify_great_circle, LatLng};

/// Spacing of the densified arc, in km.
pub const STEP_KM: f64 = 25.0;

/// The great-circle arc from `from` to `to`, densified to [`STEP_KM`].
pub fn route_leg(from: LatLng, to: LatLng) -> Leg {
    Leg {
        points: densify_great_circle(from, to, STEP_KM),
        passages: Vec::new(),
    }
}
