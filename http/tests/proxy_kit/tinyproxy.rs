//! A real proxy for the tests: tinyproxy from Debian, started on 127.0.0.1
//! with a configuration file written here, in the foreground (`-d`), and
//! killed when the test is done. `.ci/run` installs it; a machine without
//! it fails the tests that need it, saying how to install it.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running tinyproxy.
pub struct Tinyproxy {
    pub addr: SocketAddr,
    child: Child,
    dir: PathBuf,
}

impl Tinyproxy {
    /// Starts tinyproxy allowing `CONNECT` to `connect_port` only (as a
    /// real deployment would, to the HTTPS port), or panics saying why;
    /// `None`, with a line on stderr, where it is not installed outside CI.
    pub fn start(label: &str, connect_port: u16) -> Option<Tinyproxy> {
        let installed = Command::new("tinyproxy")
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !installed {
            // CI installs it (.ci/run), so there a missing proxy is a
            // failure. On a developer's machine the README's one test
            // command must still pass: say loudly what did not run.
            assert!(
                std::env::var_os("CI").is_none(),
                "tinyproxy is not installed, and this test runs against it: \
                 install it with `apt-get install -y tinyproxy` (.ci/run does)"
            );
            eprintln!(
                "SKIPPED {label}: tinyproxy is not installed \
                 (`apt-get install -y tinyproxy` to run this test; CI always does)"
            );
            return None;
        }
        let dir =
            std::env::temp_dir().join(format!("spool-tinyproxy-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // A free port: bind one, note it, let it go. Another process could
        // take it in between; the wait below would then fail loudly.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("tinyproxy.conf");
        let log = dir.join("tinyproxy.log");
        let mut file = std::fs::File::create(&config).unwrap();
        write!(
            file,
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\n\
             ConnectPort {connect_port}\nMaxClients 20\nLogLevel Info\nLogFile \"{}\"\n",
            log.display()
        )
        .unwrap();
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tinyproxy is installed but could not be started");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut proxy = Tinyproxy { addr, child, dir };
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = proxy.child.try_wait() {
                panic!(
                    "tinyproxy exited with {status} before listening; its log:\n{}",
                    proxy.log()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "tinyproxy did not listen on {addr} within 10 s; its log:\n{}",
                proxy.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(proxy)
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What tinyproxy logged, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
