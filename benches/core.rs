//! Hot paths of the core, without the C layer: `cargo bench --bench core`. Prints ns per
//! operation (the fastest of five runs); no assertions: performance is compared in bench/.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use sesscache::core::Cache;
use sesscache::core::cache::DEFAULT_CACHE_SIZE;
use sesscache::core::clock::TestClock;
use sesscache::core::session::Session;

const N: usize = 20_480;

fn sessions(timeout: impl Fn(usize) -> i64) -> Vec<Arc<Session>> {
    (0..N)
        .map(|i| {
            let s = Session::new(1_000_000);
            s.set_version(0x0304);
            let mut id = [0u8; 32];
            id[..8].copy_from_slice(&(i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
            id[8..16].copy_from_slice(&(i as u64).to_le_bytes());
            s.set_id(&id);
            s.set_timeout(timeout(i));
            s
        })
        .collect()
}

fn best_of(name: &str, ops: usize, mut run: impl FnMut() -> std::time::Duration) {
    let best = (0..5).map(|_| run()).min().unwrap_or_default();
    println!("{name:<44} {:>8.1} ns/op", best.as_nanos() as f64 / ops as f64);
}

fn main() {
    let clock = Arc::new(TestClock::new(1_000_000));
    for (label, timeout) in [("same timeout", 0usize), ("mixed timeouts", 1)] {
        let v = sessions(|i| if timeout == 0 { 7200 } else { 100 + (i as i64 * 7919) % 7200 });
        best_of(&format!("add {N} ({label})"), N, || {
            let cache = Cache::new(clock.clone());
            cache.set_size(0);
            let t = Instant::now();
            for s in &v {
                black_box(cache.add(s));
            }
            t.elapsed()
        });
        best_of(&format!("add then remove {N} ({label}), per pair"), N, || {
            let cache = Cache::new(clock.clone());
            cache.set_size(DEFAULT_CACHE_SIZE * 2);
            let t = Instant::now();
            for s in &v {
                cache.add(s);
            }
            for s in &v {
                black_box(cache.remove(s));
            }
            t.elapsed()
        });
    }
    let v = sessions(|_| 7200);
    let cache = Cache::new(clock.clone());
    cache.set_size(0);
    for s in &v {
        cache.add(s);
    }
    let ids: Vec<[u8; 32]> = v.iter().map(|s| *s.id().buffer()).collect();
    best_of("lookup hit (contains)", N * 10, || {
        let t = Instant::now();
        for _ in 0..10 {
            for id in &ids {
                black_box(cache.contains(0x0304, id));
            }
        }
        t.elapsed()
    });
    best_of("lookup miss (contains)", N * 10, || {
        let t = Instant::now();
        for _ in 0..10 {
            for id in &ids {
                let mut miss = *id;
                miss[31] ^= 0xff;
                black_box(cache.contains(0x0304, &miss));
            }
        }
        t.elapsed()
    });
    best_of("flush of all (per session)", N, || {
        let c = Cache::new(clock.clone());
        c.set_size(0);
        for s in &v {
            c.add(s);
        }
        let t = Instant::now();
        black_box(c.flush(0));
        t.elapsed()
    });
}
