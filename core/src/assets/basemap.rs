//! Basemap
