use georender::route::*;
use georender::LatLng;
fn main() {
    let a: Vec<f64> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let net = sea::network().unwrap();
    let closed = net.closed_passages(&[], false);
    println!("closed {:?}", closed);
    let s = net.snap(LatLng::new(a[0], a[1]), &closed).unwrap();
    println!("snap {:?}", s);
    let r = route(&RouteRequest {
        waypoints: vec![LatLng::new(a[0], a[1]), LatLng::new(a[2], a[3])],
        mode: RouteMode::Sea,
        avoid: std::env::var("AVOID")
            .map(|s| s.split(",").map(String::from).collect())
            .unwrap_or_default(),
        allow_arctic: false,
    })
    .unwrap();
    println!(
        "{} km {:?} maxlat {}",
        r.distance_km,
        r.passages,
        r.points.iter().map(|p| p.lat).fold(-90.0, f64::max)
    );
    for p in r.points.iter().step_by(r.points.len() / 40 + 1) {
        print!("({:.1},{:.1}) ", p.lat, p.lng);
    }
    println!();
}
