//! Places
