//! A decoding keeps the pool's other threads spinning for its work, only while it runs and
//! only where the x86 kernels split its matmuls over that pool (not with
//! `SPEAKJA_KERNELS=generic`). Its own test binary: it reads the whole process's CPU time.

use std::time::Duration;

use candle_core::Device;
use speakja::translate::nllb::generate::on_pool;
use speakja::translate::nllb::Kernels;

/// CPU time this process has used, user and system.
fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// CPU time used while `f` runs.
fn cpu_during(f: impl FnOnce()) -> Duration {
    let before = cpu_time();
    f();
    cpu_time() - before
}

#[test]
fn other_threads_spin_while_a_decoding_runs_and_stop_after() {
    let wait = Duration::from_millis(300);
    let spins = Kernels::get() == Kernels::Simd;
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        // A decoding that does no work of its own: only spinning threads use CPU meanwhile.
        let during = cpu_during(|| pool.install(|| on_pool(&Device::Cpu, || std::thread::sleep(wait))));
        let after = cpu_during(|| std::thread::sleep(wait));
        eprintln!("{threads} threads: {during:?} of CPU during {wait:?}, {after:?} after");
        if threads == 1 || !spins {
            assert!(during < wait / 4, "nothing should spin ({threads} threads, {:?}): {during:?}", Kernels::get());
        } else {
            // Two spinning threads; at least one of them the whole time, even on a busy machine.
            assert!(during > wait * 3 / 4, "the other threads were parked: {during:?}");
        }
        assert!(after < wait / 4, "threads went on spinning after the decoding: {after:?}");
    }
}
