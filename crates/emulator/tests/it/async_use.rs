use std::time::{Duration, Instant};

use awscred_emulator::{Emulator, EmulatorConfig, Fault};

/// The handle can be started, used and dropped inside a caller's runtime, and a delayed request
/// does not hold up others (the emulator's own runtime serves them concurrently).
#[test]
fn usable_from_async_code_and_concurrent() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = Emulator::start(EmulatorConfig::demo()).expect("start");
        emu.inject("ListAccounts", Fault::Delay(Duration::from_millis(800)), 1);
        let port = emu.port();
        let slow = std::thread::spawn(move || {
            crate::client::send(port, "GET", "/assignment/accounts", &[], b"")
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let t = Instant::now();
        let fast = crate::client::send(port, "GET", "/assignment/roles", &[], b"");
        assert_eq!(fast.status, 401);
        assert!(
            t.elapsed() < Duration::from_millis(600),
            "served while the other request waits"
        );
        assert_eq!(slow.join().unwrap().status, 401);
        drop(emu);
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "stopped on drop"
        );
    });
}
